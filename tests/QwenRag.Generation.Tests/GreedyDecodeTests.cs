using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary><see cref="QwenOnnxModel.Greedy"/> against the argmax of a full pass over prompt and generated tokens.</summary>
public sealed class GreedyDecodeTests
{
    [Fact]
    public void GreedyPicksTheArgMaxOfEachPosition()
    {
        var options = ModelFixture.Small with { Seed = 11 };
        using var fixture = ModelFixture.Create(options);
        var prompt = ModelFixture.Tokens(10, options.Vocab, 5);

        var result = fixture.Model.Greedy(prompt, 6);

        Assert.Equal(6, result.Tokens.Count);
        Assert.Equal(5, result.DecodeSteps);
        var all = prompt.Concat(result.Tokens.Take(5)).ToArray();
        var logits = fixture.Model.Logits(all);
        for (var i = 0; i < result.Tokens.Count; i++)
        {
            Assert.Equal(QwenOnnxModel.ArgMax(logits[prompt.Length - 1 + i]), result.Tokens[i]);
        }

        // The prompt in passes of 3 tokens (3 + 3 + 3 + 1) picks the same tokens.
        Assert.Equal(result.Tokens, fixture.Model.Greedy(prompt, 6, prefillChunk: 3).Tokens);
    }

    [Fact]
    public void GreedyRejectsAnEmptyPromptAndNoNewTokens()
    {
        using var fixture = ModelFixture.Create(new TinyCheckpointOptions());
        Assert.Throws<ArgumentException>(() => fixture.Model.Greedy([], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Greedy([1], 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => fixture.Model.Greedy([1], 1, prefillChunk: 0));
    }

    [Fact]
    public void ArgMaxTakesTheFirstLargest() => Assert.Equal(1, QwenOnnxModel.ArgMax([0f, 3f, 3f, -1f]));
}
