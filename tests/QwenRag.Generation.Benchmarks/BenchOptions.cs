using System.Globalization;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Benchmarks;

/// <summary>Command-line options; the defaults are Qwen2.5-0.5B's shape.</summary>
internal sealed record BenchOptions
{
    public const string Usage =
        "usage: QwenRag.Generation.Benchmarks [--work DIR] [--prefill 128] [--decode 32] [--repeats 2] [--precisions fp32,int4] [--reuse]\n" +
        "       [--layers 24] [--hidden 896] [--heads 14] [--kv-heads 2] [--intermediate 4864] [--vocab 151936] [--max-positions 32768] [--seed 1]";

    public string Work { get; init; } = Path.Combine(Path.GetTempPath(), "qwenrag-genai-bench");

    public int Prefill { get; init; } = 128;

    public int Decode { get; init; } = 32;

    public int Repeats { get; init; } = 2;

    public IReadOnlyList<OnnxPrecision> Precisions { get; init; } = [OnnxPrecision.Fp32, OnnxPrecision.Int4];

    /// <summary>Keep a checkpoint already in the work folder instead of writing it again (models are always rebuilt).</summary>
    public bool Reuse { get; init; }

    public int Layers { get; init; } = 24;

    public int Hidden { get; init; } = 896;

    public int Heads { get; init; } = 14;

    public int KvHeads { get; init; } = 2;

    public int Intermediate { get; init; } = 4864;

    public int Vocab { get; init; } = 151936;

    public int MaxPositions { get; init; } = 32768;

    public int Seed { get; init; } = 1;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (name == "--reuse")
            {
                options = options with { Reuse = true };
                continue;
            }

            if (i + 1 >= args.Length)
            {
                throw new ArgumentException($"{name} needs a value");
            }

            var value = args[++i];
            options = name switch
            {
                "--work" => options with { Work = value },
                "--prefill" => options with { Prefill = Int(name, value) },
                "--decode" => options with { Decode = Int(name, value) },
                "--repeats" => options with { Repeats = Int(name, value) },
                "--precisions" => options with { Precisions = value.Split(',').Select(Precision).ToArray() },
                "--layers" => options with { Layers = Int(name, value) },
                "--hidden" => options with { Hidden = Int(name, value) },
                "--heads" => options with { Heads = Int(name, value) },
                "--kv-heads" => options with { KvHeads = Int(name, value) },
                "--intermediate" => options with { Intermediate = Int(name, value) },
                "--vocab" => options with { Vocab = Int(name, value) },
                "--max-positions" => options with { MaxPositions = Int(name, value) },
                "--seed" => options with { Seed = Int(name, value) },
                _ => throw new ArgumentException($"unknown option {name}"),
            };
        }

        return options;
    }

    /// <summary>The shape as arguments for the checkpoint child process.</summary>
    public string[] ShapeArgs() =>
    [
        S(Layers), S(Hidden), S(Heads), S(KvHeads), S(Intermediate), S(Vocab), S(MaxPositions), S(Seed),
    ];

    /// <summary>Reads <see cref="ShapeArgs"/> back: a Qwen2 checkpoint with tied embeddings, like Qwen2.5-0.5B.</summary>
    public static TinyCheckpointOptions CheckpointOptions(string[] shape) => new()
    {
        Architecture = QwenArchitecture.Qwen2,
        Layers = Int("layers", shape[0]),
        Hidden = Int("hidden", shape[1]),
        Heads = Int("heads", shape[2]),
        KvHeads = Int("kv-heads", shape[3]),
        Intermediate = Int("intermediate", shape[4]),
        Vocab = Int("vocab", shape[5]),
        MaxPositions = Int("max-positions", shape[6]),
        Seed = Int("seed", shape[7]),
        Tied = true,
        RopeTheta = 1000000,
        BosTokenId = 151643 % Int("vocab", shape[5]),
        EosTokenId = 151643 % Int("vocab", shape[5]),
    };

    private static string S(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int Int(string name, string value) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed > 0
            ? parsed
            : throw new ArgumentException($"{name} must be a positive integer (was '{value}')");

    private static OnnxPrecision Precision(string value) => value switch
    {
        "fp32" => OnnxPrecision.Fp32,
        "fp16" => OnnxPrecision.Fp16,
        "int4" => OnnxPrecision.Int4,
        _ => throw new ArgumentException($"unknown precision '{value}' (fp32, fp16 or int4)"),
    };
}
