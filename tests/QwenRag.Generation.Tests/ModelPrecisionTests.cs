using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Tests.Reference;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>fp16 and int4 builds on the CPU provider.</summary>
public sealed class ModelPrecisionTests(ITestOutputHelper output)
{
    private static readonly string[] Projections =
        ["self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj"];

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
        var expected = fixture.Reference(tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, 7);
        var scale = expected.SelectMany(r => r).Max(v => Math.Abs(v));
        var fullDifference = LogitAssert.MaxDifference(expected, full);
        var cachedDifference = LogitAssert.MaxDifference(expected, cached);
        output.WriteLine($"fp16 {architecture}: max |logit| {scale:0.000}, max diff one pass {fullDifference:E2}, cached {cachedDifference:E2}");

        // fp16 keeps 11 significant bits (relative rounding 2^-11 = 4.9e-4) for weights, activations and KV cache;
        // over two layers the errors add up to a few units of 1e-3 relative to the logit scale. 1e-2 of the
        // largest logit bounds that with room, and is still far below the differences a wrong graph produces.
        var tolerance = 1e-2 * Math.Max(1, scale);
        Assert.True(fullDifference <= tolerance, $"one pass {fullDifference:E2} > {tolerance:E2}");
        Assert.True(cachedDifference <= tolerance, $"cached {cachedDifference:E2} > {tolerance:E2}");
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
        var config = fixture.Checkpoint.Config;
        var tokens = ModelFixture.Tokens(20, options.Vocab, 13);
        float[]? Tensor(string name)
        {
            if (name == "lm_head.weight")
            {
                // A tied head is a quantized copy of the embedding.
                var head = fixture.Checkpoint.ReadFloat32(config.TieWordEmbeddings ? "model.embed_tokens.weight" : name);
                return Dequantize(head, config.VocabSize, config.HiddenSize);
            }

            if (!fixture.Checkpoint.Contains(name))
            {
                return null;
            }

            var weight = fixture.Checkpoint.ReadFloat32(name);
            var projection = Projections.Any(p => name.EndsWith(p + ".weight", StringComparison.Ordinal));
            if (!projection || !name.StartsWith("model.layers.", StringComparison.Ordinal))
            {
                return weight;
            }

            var k = name.Contains("down_proj", StringComparison.Ordinal) ? config.IntermediateSize
                : name.Contains("o_proj", StringComparison.Ordinal) ? config.NumHeads * config.HeadDim
                : config.HiddenSize;
            return Dequantize(weight, weight.Length / k, k);
        }

        // Untied, so that the reference takes its head from lm_head.weight (the dequantized one) and not the embedding.
        var expected = QwenReference.Logits(config with { TieWordEmbeddings = false }, Tensor, tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, 5);
        var fullDifference = LogitAssert.MaxDifference(expected, full);
        var cachedDifference = LogitAssert.MaxDifference(expected, cached);
        var quantizationError = LogitAssert.MaxDifference(fixture.Reference(tokens), full);
        output.WriteLine($"int4 {architecture} tied={tied}: vs dequantized reference {fullDifference:E2} (cached {cachedDifference:E2}); " +
            $"vs fp32 weights {quantizationError:E2}");

        // accuracy_level 4 rounds each 32-column block of activations to int8 (step max|x| / 127), the weights are
        // rounded to 4 bits (step range / 15, about 8x coarser relative to the block's spread): the activation error
        // is near 1/8 of the weight error. A quarter leaves twice that as margin and still fails a graph whose
        // MatMulNBits computed something other than x * dequantize(q)^T (that error is the size of the logits).
        // The fp32-weight reference stands in for the fp32 graph, which follows it to 1e-4 (ModelLogitsTests).
        var tolerance = 0.25 * quantizationError;
        Assert.True(quantizationError > 1e-3, $"the int4 weights should change the logits ({quantizationError:E2})");
        Assert.True(fullDifference <= tolerance, $"one pass {fullDifference:E2} > {tolerance:E2}");
        Assert.True(cachedDifference <= tolerance, $"cached {cachedDifference:E2} > {tolerance:E2}");
    }

    private static float[] Dequantize(float[] weight, int n, int k)
    {
        const int size = QwenOnnxBuilder.Int4BlockSize;
        var q = Int4Quantizer.Quantize(weight, n, k, size);
        var result = new float[weight.Length];
        var blocks = q.BlocksPerRow;
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                var block = col / size;
                var zpByte = q.ZeroPoints[(row * ((blocks + 1) / 2)) + (block / 2)];
                var zero = block % 2 == 0 ? zpByte & 0xF : zpByte >> 4;
                var inBlock = col % size;
                var packed = q.Packed[(row * blocks * (size / 2)) + (block * (size / 2)) + (inBlock / 2)];
                var value = inBlock % 2 == 0 ? packed & 0xF : packed >> 4;
                result[(row * k) + col] = (value - zero) * q.Scales[(row * blocks) + block];
            }
        }

        return result;
    }
}
