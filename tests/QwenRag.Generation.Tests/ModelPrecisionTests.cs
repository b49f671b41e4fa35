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
    [InlineData(QwenArchitecture.Qwen2)]
    [InlineData(QwenArchitecture.Qwen3)]
    public void Int4EqualsTheReferenceOnDequantizedWeights(QwenArchitecture architecture)
    {
        // MatMulNBits must compute exactly x * dequantize(q)^T: the reference run on the same dequantized
        // weights isolates the graph from the (large, expected) quantization error.
        var options = Options(architecture);
        using var fixture = ModelFixture.Create(options, OnnxPrecision.Int4);
        var config = fixture.Checkpoint.Config;
        var tokens = ModelFixture.Tokens(20, options.Vocab, 13);
        float[]? Tensor(string name)
        {
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

        var expected = QwenReference.Logits(config, Tensor, tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, 5);
        var fullDifference = LogitAssert.MaxDifference(expected, full);
        var cachedDifference = LogitAssert.MaxDifference(expected, cached);
        var quantizationError = LogitAssert.MaxDifference(fixture.Reference(tokens), full);
        output.WriteLine($"int4 {architecture}: vs dequantized reference {fullDifference:E2} (cached {cachedDifference:E2}); vs fp32 weights {quantizationError:E2}");
        Assert.True(fullDifference <= 1e-4, $"one pass {fullDifference:E2}");
        Assert.True(cachedDifference <= 1e-4, $"cached {cachedDifference:E2}");
    }

    private static float[] Dequantize(float[] weight, int n, int k)
    {
        var q = Int4Quantizer.Quantize(weight, n, k, 32);
        var result = new float[weight.Length];
        var blocks = q.BlocksPerRow;
        for (var row = 0; row < n; row++)
        {
            for (var col = 0; col < k; col++)
            {
                var block = col / 32;
                var zpByte = q.ZeroPoints[(row * ((blocks + 1) / 2)) + (block / 2)];
                var zero = block % 2 == 0 ? zpByte & 0xF : zpByte >> 4;
                var inBlock = col % 32;
                var packed = q.Packed[(row * blocks * 16) + (block * 16) + (inBlock / 2)];
                var value = inBlock % 2 == 0 ? packed & 0xF : packed >> 4;
                result[(row * k) + col] = (value - zero) * q.Scales[(row * blocks) + block];
            }
        }

        return result;
    }
}
