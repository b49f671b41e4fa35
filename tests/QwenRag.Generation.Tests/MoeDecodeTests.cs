using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary>Greedy KV-cached generation on MoE models equals the argmax of full passes of the reference.</summary>
public sealed class MoeDecodeTests
{
    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public async Task GenerateAsync_Greedy_EqualsReferenceArgMaxOfFullPasses(QwenArchitecture architecture)
    {
        var options = MoeModelTests.Moe(architecture, topK: 2) with { MaxPositions = 64, DecoderSparseStep = 2, SlidingWindow = 7, MaxWindowLayers = 2 };
        using var fixture = ModelFixture.Create(options);
        var prompt = ModelFixture.Tokens(9, options.Vocab, 4);
        var generated = new List<int>();
        await foreach (var token in new TokenGenerator(fixture.Model).GenerateAsync(prompt, SamplingOptions.GreedyDecoding with { MaxNewTokens = 10 }))
        {
            generated.Add(token);
        }

        var sequence = prompt.ToList();
        var expected = new List<int>();
        for (var i = 0; i < 10; i++)
        {
            var next = QwenOnnxModel.ArgMax(fixture.Reference(sequence)[^1]);
            expected.Add(next);
            sequence.Add(next);
        }

        Assert.Equal(expected, generated);
    }
}
