using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>fp16 (MoE in half precision) and int4 (QMoE experts, MatMulNBits elsewhere) MoE builds on the CPU provider.</summary>
public sealed class MoePrecisionTests(ITestOutputHelper output)
{
    private static readonly string[] Projections =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj",
         "mlp.shared_expert.gate_proj", "mlp.shared_expert.up_proj", "mlp.shared_expert.down_proj", "mlp.shared_expert_gate"];

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
        var config = fixture.Checkpoint.Config;
        var tokens = ModelFixture.Tokens(20, options.Vocab, 13);
        float[]? Tensor(string name)
        {
            if (name == "lm_head.weight")
            {
                var head = fixture.Checkpoint.ReadFloat32(config.TieWordEmbeddings ? "model.embed_tokens.weight" : name);
                return Int4Reference.DequantizeAsymmetric(head, config.VocabSize, config.HiddenSize);
            }

            if (!fixture.Checkpoint.Contains(name))
            {
                return null;
            }

            var weight = fixture.Checkpoint.ReadFloat32(name);
            if (name.Contains(".mlp.experts.", StringComparison.Ordinal))
            {
                var columns = name.EndsWith("down_proj.weight", StringComparison.Ordinal) ? config.Moe!.MoeIntermediateSize : config.HiddenSize;
                return Int4Reference.DequantizeSymmetric(weight, weight.Length / columns, columns);
            }

            if (!Projections.Any(p => name.EndsWith(p + ".weight", StringComparison.Ordinal)))
            {
                return weight;
            }

            var k = name.EndsWith("shared_expert.down_proj.weight", StringComparison.Ordinal) ? config.Moe!.SharedExpertIntermediateSize
                : name.Contains("down_proj", StringComparison.Ordinal) ? config.IntermediateSize
                : name.Contains("o_proj", StringComparison.Ordinal) ? config.NumHeads * config.HeadDim
                : config.HiddenSize;
            return Int4Reference.DequantizeAsymmetric(weight, weight.Length / k, k);
        }

        // QMoE dequantizes to float and multiplies in fp32, so the experts add nothing beyond their 4-bit weights; the
        // remaining difference is MatMulNBits' int8 activations on the other projections (about 1/8 of the weight
        // error, ModelPrecisionTests). A quarter of the quantization error leaves margin and still fails a QMoE whose
        // layout, scales or routing weights differ from the reference's (an error the size of the logits).
        output.WriteLine($"int4 {architecture} moe norm={normTopKProb}: " + PrecisionAssert.Int4FollowsTheReference(fixture, Tensor, tokens));
    }
}
