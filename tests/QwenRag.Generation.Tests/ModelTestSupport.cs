using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tests.Reference;

namespace QwenRag.Generation.Tests;

/// <summary>Writes a tiny checkpoint, builds its ONNX model and compares logits with the plain-loop reference.</summary>
internal sealed class ModelFixture : IDisposable
{
    private ModelFixture(string root, TinyCheckpointOptions options, OnnxPrecision precision, bool windowedCache)
    {
        Root = root;
        CheckpointDirectory = Path.Combine(root, "hf");
        ModelDirectory = Path.Combine(root, "onnx");
        TinyCheckpoint.Write(CheckpointDirectory, options);
        Build = QwenOnnxBuilder.Build(CheckpointDirectory, ModelDirectory, precision, windowedCache);
        Checkpoint = SafetensorsCheckpoint.Open(CheckpointDirectory);
        Model = new QwenOnnxModel(ModelDirectory);
    }

    public string Root { get; }

    public string CheckpointDirectory { get; }

    public string ModelDirectory { get; }

    public QwenOnnxBuildResult Build { get; }

    public SafetensorsCheckpoint Checkpoint { get; }

    public QwenOnnxModel Model { get; }

    /// <summary>The small shape most model tests start from (with their own seed, architecture, window...).</summary>
    public static TinyCheckpointOptions Small { get; } = new()
    {
        Layers = 2,
        Hidden = 64,
        Heads = 4,
        KvHeads = 2,
        Intermediate = 96,
        Vocab = 160,
    };

    public static ModelFixture Create(TinyCheckpointOptions options, OnnxPrecision precision = OnnxPrecision.Fp32, bool windowedCache = true)
    {
        var root = Path.Combine(Path.GetTempPath(), "qwenrag-onnx-" + Guid.NewGuid().ToString("N"));
        try
        {
            return new ModelFixture(root, options, precision, windowedCache);
        }
        catch
        {
            if (Directory.Exists(root))
            {
                Directory.Delete(root, recursive: true);
            }

            throw;
        }
    }

    public static int[] Tokens(int count, int vocab, int seed)
    {
        var random = new Random(seed);
        var tokens = new int[count];
        for (var i = 0; i < count; i++)
        {
            tokens[i] = random.Next(vocab);
        }

        return tokens;
    }

    public float[][] Reference(IReadOnlyList<int> tokens) => QwenReference.Logits(Checkpoint, tokens);

    public void Dispose()
    {
        Model.Dispose();
        Checkpoint.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

internal static class LogitAssert
{
    /// <summary>Largest |a - b| over all positions and vocabulary entries.</summary>
    public static double MaxDifference(float[][] expected, float[][] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Length, actual[i].Length);
            for (var j = 0; j < expected[i].Length; j++)
            {
                var difference = Math.Abs((double)expected[i][j] - actual[i][j]);
                Assert.False(double.IsNaN(difference), $"NaN at position {i}, token {j}");
                max = Math.Max(max, difference);
            }
        }

        return max;
    }

    /// <summary>
    /// A model built from <paramref name="options"/>, in one pass and decoded after <paramref name="prefill"/> tokens,
    /// within <paramref name="tolerance"/> of the reference forward pass; returns the line its test writes out.
    /// </summary>
    public static string FullAndCachedFollowTheReference(TinyCheckpointOptions options, int length, int prefill, double tolerance, string what)
    {
        using var fixture = ModelFixture.Create(options);
        var tokens = ModelFixture.Tokens(length, options.Vocab, options.Seed + 100);
        var expected = fixture.Reference(tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, prefill);
        Close(expected, full, tolerance, what + " (one pass)");
        Close(expected, cached, tolerance, what + $" (prefill {prefill}, then cached)");
        return $"{what}: max diff one pass {MaxDifference(expected, full):E2}, prefill {prefill} + cached {MaxDifference(expected, cached):E2}";
    }

    public static void Close(float[][] expected, float[][] actual, double tolerance, string what)
    {
        var max = MaxDifference(expected, actual);
        Assert.True(max <= tolerance, $"{what}: max |difference| {max:E3} > {tolerance:E1}");
    }

    public static int Argmax(float[] row)
    {
        var best = 0;
        for (var i = 1; i < row.Length; i++)
        {
            if (row[i] > row[best])
            {
                best = i;
            }
        }

        return best;
    }
}

/// <summary>The precision checks dense and MoE builds share; each returns the line its test writes to the output.</summary>
internal static class PrecisionAssert
{
    /// <summary>
    /// fp16 logits, in one pass and decoded after a 7-token prefill, within 1e-2 of the largest reference logit: fp16
    /// keeps 11 significant bits (relative rounding 4.9e-4) for weights, activations and KV cache, which add up to a
    /// few 1e-3 of the logit scale over a few layers; a wrong graph differs by the size of the logits.
    /// </summary>
    public static string Fp16FollowsTheReference(ModelFixture fixture, int[] tokens)
    {
        var expected = fixture.Reference(tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, 7);
        var scale = expected.SelectMany(r => r).Max(v => Math.Abs(v));
        var fullDifference = LogitAssert.MaxDifference(expected, full);
        var cachedDifference = LogitAssert.MaxDifference(expected, cached);
        var tolerance = 1e-2 * Math.Max(1, scale);
        Assert.True(fullDifference <= tolerance, $"one pass {fullDifference:E2} > {tolerance:E2}");
        Assert.True(cachedDifference <= tolerance, $"cached {cachedDifference:E2} > {tolerance:E2}");
        return $"max |logit| {scale:0.000}, max diff one pass {fullDifference:E2}, cached {cachedDifference:E2}";
    }

    /// <summary>
    /// int4 logits, in one pass and decoded after a 5-token prefill, against the reference on the weights the graph
    /// dequantizes (<paramref name="dequantized"/>), within a quarter of their difference from the fp32-weight
    /// reference (the quantization error, which must be visible). What is left besides the 4-bit weights is
    /// MatMulNBits' int8 activations, about 1/8 of the weight error (steps of max|x|/127 against range/15); a graph
    /// that multiplied by anything else differs by the size of the logits.
    /// </summary>
    public static string Int4FollowsTheReference(ModelFixture fixture, Func<string, float[]?> dequantized, int[] tokens)
    {
        // Untied, so that the reference takes its head from lm_head.weight (the dequantized one) and not the embedding.
        var expected = QwenReference.Logits(fixture.Checkpoint.Config with { TieWordEmbeddings = false }, dequantized, tokens);
        var full = fixture.Model.Logits(tokens);
        var cached = fixture.Model.Logits(tokens, 5);
        var fullDifference = LogitAssert.MaxDifference(expected, full);
        var cachedDifference = LogitAssert.MaxDifference(expected, cached);
        var quantizationError = LogitAssert.MaxDifference(fixture.Reference(tokens), full);
        var tolerance = 0.25 * quantizationError;
        Assert.True(quantizationError > 1e-3, $"the int4 weights should change the logits ({quantizationError:E2})");
        Assert.True(fullDifference <= tolerance, $"one pass {fullDifference:E2} > {tolerance:E2}");
        Assert.True(cachedDifference <= tolerance, $"cached {cachedDifference:E2} > {tolerance:E2}");
        return $"vs dequantized reference {fullDifference:E2} (cached {cachedDifference:E2}); vs fp32 weights {quantizationError:E2}";
    }
}
