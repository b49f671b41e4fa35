using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>fp16 and int4 builds on the CPU provider.</summary>
public sealed class ModelPrecisionTests(ITestOutputHelper output)
{
    private static TinyCheckpointOptions Options(QwenArchitecture architecture) => ModelFixture.Small with
    {
        Architecture = architecture,
        SlidingWindow = architecture == QwenArchitecture.Qwen3 ? 9 : null,
        MaxWindowLayers = 1,
        Seed = 11,
    };

    [Theory]
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void Fp16FollowsTheReference(QwenArchitecture architecture)
    {
        var options = Options(architecture);
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Fp16);
        var tokens = ModelFixture.Tokens(24, options.Vocab, 12);

        // Within 1e-2 of the largest logit; PrecisionAssert says why.
        output.WriteLine($"fp16 {architecture}: " + PrecisionAssert.Fp16FollowsTheReference(fixture, tokens));
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2, false)]
    [InlineData(QwenArchitecture.Qwen2, true)]
    [InlineData(QwenArchitecture.Qwen3, false)]
    public void Int4FollowsTheReferenceOnDequantizedWeights(QwenArchitecture architecture, bool tied)
    {
        // The reference on the same dequantized weights (projections and head; the embedding Gather stays full
        // precision) isolates what MatMulNBits adds on top of the 4-bit weights: its int8 activations.
        var options = Options(architecture) with { Tied = tied };
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Int4);
        var tokens = ModelFixture.Tokens(20, options.Vocab, 13);

        // Within a quarter of the int4 quantization error (PrecisionAssert says why). The fp32-weight reference stands
        // in for the fp32 graph, which follows it to 1e-4 (ModelLogitsTests).
        output.WriteLine($"int4 {architecture} tied={tied}: " + PrecisionAssert.Int4FollowsTheReference(fixture, Int4Reference.Weights(fixture.Checkpoint), tokens));
    }
}
