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
