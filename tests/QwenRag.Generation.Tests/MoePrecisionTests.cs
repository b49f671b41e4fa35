using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>fp16 (MoE in half precision) and int4 (QMoE experts, MatMulNBits elsewhere) MoE builds on the CPU provider.</summary>
public sealed class MoePrecisionTests(ITestOutputHelper output)
{
    private static TinyCheckpointOptions Options(QwenArchitecture architecture, bool normTopKProb) =>
        MoeModelTests.Moe(architecture, topK: 2) with
        {
            NormTopKProb = normTopKProb,
            DecoderSparseStep = 1,
            MlpOnlyLayers = [1],
            SlidingWindow = architecture == QwenArchitecture.Qwen3 ? 9 : null,
            MaxWindowLayers = 1,
        };

    [Theory]
    [InlineData(QwenArchitecture.Qwen2, false)]
    [InlineData(QwenArchitecture.Qwen3, true)]
    public void Fp16FollowsTheReference(QwenArchitecture architecture, bool normTopKProb)
    {
        var options = Options(architecture, normTopKProb);
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Fp16);
        var tokens = ModelFixture.Tokens(24, options.Vocab, 12);

        // As for dense fp16 (ModelPrecisionTests): 11 significant bits per weight and activation, a few 1e-3 of the
        // logit scale after three layers; 1e-2 of the largest logit bounds it and is far below a wrong graph's error.
        // The router's logits are fp16 too (as in a half-precision transformers model); a top-k choice could flip on
        // a near-tie, which these seeds do not have.
        output.WriteLine($"fp16 {architecture} moe: " + PrecisionAssert.Fp16FollowsTheReference(fixture, tokens));
    }

    [Theory]
    [InlineData(QwenArchitecture.Qwen2, false)]
    [InlineData(QwenArchitecture.Qwen3, true)]
    [InlineData(QwenArchitecture.Qwen3, false)]
    public void Int4FollowsTheReferenceOnDequantizedWeights(QwenArchitecture architecture, bool normTopKProb)
    {
        // The reference on the same dequantized weights: experts as QMoE holds them (symmetric 4-bit, blocks of 32),
        // other projections as MatMulNBits does, router and embedding in full precision.
        var options = Options(architecture, normTopKProb);
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Int4);
        var tokens = ModelFixture.Tokens(20, options.Vocab, 13);

        // What the int4 graph adds on top of the 4-bit weights is int8 activations, in QMoE (accuracy_level 4) as in
        // MatMulNBits (about 1/8 of the weight error, ModelPrecisionTests; 0.06-0.13 here). A quarter of the
        // quantization error leaves margin and still fails a QMoE whose layout, scales or routing weights differ from
        // the reference's (an error the size of the logits).
        output.WriteLine($"int4 {architecture} moe norm={normTopKProb}: " + PrecisionAssert.Int4FollowsTheReference(fixture, Int4Reference.Weights(fixture.Checkpoint), tokens));
    }
}
