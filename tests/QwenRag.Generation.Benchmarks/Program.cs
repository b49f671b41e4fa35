using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Microsoft.ML.OnnxRuntimeGenAI;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Benchmarks;

/// <summary>
/// Builds a Qwen2.5-0.5B-shaped random checkpoint into ONNX folders and runs greedy generation on each with
/// QwenRag's <see cref="QwenOnnxModel"/> and with onnxruntime-genai side by side (CPU).
/// </summary>
/// <remarks>
/// The checkpoint write and each build run in a child process of this program, so that each reports its own peak
/// working set (Linux VmHWM) rather than the high-water mark of everything before it.
/// </remarks>
internal static class Program
{
    private const string ChildFlag = "--child";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = false };

    public static int Main(string[] args)
    {
        try
        {
            return args.Length > 0 && args[0] == ChildFlag ? Child(args[1..]) : Run(BenchOptions.Parse(args));
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            Console.Error.WriteLine(BenchOptions.Usage);
            return 2;
        }
    }

    private static int Run(BenchOptions options)
    {
        Directory.CreateDirectory(options.Work);
        var checkpointDir = Path.Combine(options.Work, "hf");
        var rows = new List<string[]>();
        Console.WriteLine($"shape: {options.Layers} layers, hidden {options.Hidden}, {options.Heads} heads / {options.KvHeads} kv heads, " +
            $"ffn {options.Intermediate}, vocab {options.Vocab}, tied embeddings; prompt {options.Prefill} tokens, decode {options.Decode} tokens");
        Console.WriteLine($"machine: {Environment.ProcessorCount} logical cores, {RuntimeDescription()}");

        var checkpoint = Step(options.Reuse && File.Exists(Path.Combine(checkpointDir, "config.json")), "checkpoint", [checkpointDir, .. options.ShapeArgs()]);
        rows.Add(["write checkpoint (TinyCheckpoint)", Seconds(checkpoint), Mib(checkpoint.PeakBytes), Mib(checkpoint.PeakAnonBytes), Mib(checkpoint.OutputBytes)]);

        var folders = new List<(string Name, string Dir)>();
        foreach (var precision in options.Precisions)
        {
            var name = precision.ToString().ToLowerInvariant();
            var dir = Path.Combine(options.Work, "onnx-" + name);
            var build = Step(false, "build", [checkpointDir, dir, name]);
            rows.Add([$"build {name} (QwenOnnxBuilder)", Seconds(build), Mib(build.PeakBytes), Mib(build.PeakAnonBytes), Mib(build.OutputBytes)]);
            folders.Add((name, dir));
        }

        Console.WriteLine();
        Table(["step", "seconds", "peak working set MiB", "peak anonymous MiB", "output MiB"], rows);
        Console.WriteLine("(peak working set: PeakWorkingSet64 (VmHWM) of a child process doing only that step, .NET runtime and the pages of the " +
            "memory-mapped checkpoint included; peak anonymous: RssAnon of that process sampled every 10 ms, i.e. heap without mapped files)");

        var random = new Random(options.Seed);
        var prompt = Enumerable.Range(0, options.Prefill).Select(_ => random.Next(options.Vocab)).ToArray();
        var runRows = new List<string[]>();
        var agreements = new List<string>();
        foreach (var (name, dir) in folders)
        {
            var (ours, genai, error) = RunBoth(dir, prompt, options);
            runRows.Add(Row($"QwenRag QwenOnnxModel, {name}", ours));
            runRows.Add(genai is null
                ? [$"onnxruntime-genai 0.18, {name}", "failed", "", "", "", "", ""]
                : Row($"onnxruntime-genai 0.18, {name}", genai));
            if (error is not null)
            {
                agreements.Add($"{name}: onnxruntime-genai failed: {error}");
            }

            if (genai is not null)
            {
                var same = ours.Tokens.Zip(genai.Tokens).TakeWhile(p => p.First == p.Second).Count();
                var maxDiff = ours.PromptLogits.Zip(genai.PromptLogits).Max(p => Math.Abs(p.First - p.Second));
                var scale = ours.PromptLogits.Max(Math.Abs);
                agreements.Add($"{name}: greedy tokens agree for {same} of {Math.Min(ours.Tokens.Count, genai.Tokens.Count)}" +
                    $" ({ours.Tokens.Distinct().Count()} distinct; QwenRag {Preview(ours.Tokens)}; genai {Preview(genai.Tokens)});" +
                    $" last prompt position logits: max |diff| {F(maxDiff, "0.00E+0")} (max |logit| {F(scale, "0.00")})," +
                    $" argmax {QwenOnnxModel.ArgMax(ours.PromptLogits)} vs {QwenOnnxModel.ArgMax(genai.PromptLogits)}");
            }
        }

        Console.WriteLine();
        Table(["runtime, precision", "load s", "load RSS +MiB", "prefill s", "prefill tok/s", "decode s", "decode tok/s"], runRows);
        Console.WriteLine($"(prefill: the {options.Prefill}-token prompt pass that also picks the first new token; decode: {options.Decode} one-token " +
            "passes with the KV cache, each picking the next token; best of " + options.Repeats.ToString(CultureInfo.InvariantCulture) +
            " runs, the two runtimes alternating, after a warm-up prompt pass each; load RSS: working-set growth while the model loaded)");
        foreach (var line in agreements)
        {
            Console.WriteLine(line);
        }

        return 0;
    }

    /// <summary>
    /// Loads the folder in both runtimes (QwenRag first), warms both up with a prompt pass that also yields the logits
    /// compared, then alternates their measured runs so that neither gains from running second.
    /// </summary>
    private static (GenRun Ours, GenRun? GenAi, string? Error) RunBoth(string dir, int[] prompt, BenchOptions options)
    {
        var before = CurrentRss();
        var load = Stopwatch.StartNew();
        using var ours = new QwenOnnxModel(dir);
        var oursLoad = load.Elapsed;
        var oursRss = CurrentRss() - before;
        var oursLogits = ours.Logits(prompt)[^1];

        Model? genai = null;
        string? error = null;
        TimeSpan genaiLoad = default;
        long genaiRss = 0;
        float[] genaiLogits = [];
        try
        {
            before = CurrentRss();
            load.Restart();
            genai = new Model(dir);
            genaiLoad = load.Elapsed;
            genaiRss = CurrentRss() - before;
            genaiLogits = GenAiPromptLogits(genai, prompt);
        }
        catch (OnnxRuntimeGenAIException e)
        {
            genai?.Dispose();
            genai = null;
            error = e.Message;
        }

        try
        {
            GenRun? oursBest = null;
            GenRun? genaiBest = null;
            for (var i = 0; i < options.Repeats; i++)
            {
                var result = ours.Greedy(prompt, options.Decode + 1);
                oursBest = Better(oursBest, new GenRun(
                    oursLoad, oursRss, result.Prefill, result.Decode, options.Prefill, result.DecodeSteps, result.Tokens, oursLogits));
                if (genai is not null)
                {
                    var (tokens, prefill, decode) = GenAiGreedy(genai, prompt, options.Decode + 1);
                    genaiBest = Better(genaiBest, new GenRun(
                        genaiLoad, genaiRss, prefill, decode, options.Prefill, tokens.Count - 1, tokens, genaiLogits));
                }
            }

            return (oursBest!, genaiBest, error);
        }
        finally
        {
            genai?.Dispose();
        }
    }

    /// <summary>The last prompt position's logits after AppendTokens (also the warm-up).</summary>
    private static float[] GenAiPromptLogits(Model model, int[] prompt)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + 1);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);
        using var logits = generator.GetOutput("logits");
        var data = logits.GetData<float>();
        var vocab = (int)logits.Shape()[^1];
        return data[^vocab..].ToArray();
    }

    /// <summary>AppendTokens runs the prompt pass; each GenerateNextToken after the first runs one one-token pass.</summary>
    private static (IReadOnlyList<int> Tokens, TimeSpan Prefill, TimeSpan Decode) GenAiGreedy(Model model, int[] prompt, int newTokens)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        var stopwatch = Stopwatch.StartNew();
        generator.AppendTokens(prompt);
        generator.GenerateNextToken();
        var prefill = stopwatch.Elapsed;
        stopwatch.Restart();
        for (var i = 1; i < newTokens && !generator.IsDone(); i++)
        {
            generator.GenerateNextToken();
        }

        var decode = stopwatch.Elapsed;
        var sequence = generator.GetSequence(0);
        return (sequence[prompt.Length..].ToArray(), prefill, decode);
    }

    private static GenRun Better(GenRun? best, GenRun run) =>
        best is null ? run : best with
        {
            Prefill = run.Prefill < best.Prefill ? run.Prefill : best.Prefill,
            Decode = run.Decode < best.Decode ? run.Decode : best.Decode,
        };

    private static string[] Row(string name, GenRun run) =>
    [
        name,
        F(run.Load.TotalSeconds, "0.00"),
        Mib(run.RssAfterLoad),
        F(run.Prefill.TotalSeconds, "0.000"),
        F(run.PrefillTokens / run.Prefill.TotalSeconds, "0.0"),
        F(run.Decode.TotalSeconds, "0.000"),
        F(run.DecodeSteps / run.Decode.TotalSeconds, "0.00"),
    ];

    private static string Preview(IReadOnlyList<int> tokens) => "[" + string.Join(",", tokens.Take(6)) + (tokens.Count > 6 ? ",..." : "") + "]";

    /// <summary>Runs one step in a child process (or reports the folder as reused) and reads its JSON result line.</summary>
    private static StepResult Step(bool reuse, string kind, string[] args)
    {
        if (reuse)
        {
            Console.WriteLine($"{kind}: reusing {args[0]}");
            return new StepResult(double.NaN, 0, 0, 0);
        }

        var start = new ProcessStartInfo { RedirectStandardOutput = true };
        var host = Environment.ProcessPath ?? throw new InvalidOperationException("No process path.");
        start.FileName = host;
        if (Path.GetFileNameWithoutExtension(host) == "dotnet")
        {
            start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        }

        start.ArgumentList.Add(ChildFlag);
        start.ArgumentList.Add(kind);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        Console.WriteLine($"{kind}: {string.Join(' ', args)}");
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{kind} failed with exit code {process.ExitCode}: {output}");
        }

        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonSerializer.Deserialize<StepResult>(line, Json)!;
    }

    private static int Child(string[] args)
    {
        using var sampler = new AnonymousMemorySampler();
        var stopwatch = Stopwatch.StartNew();
        long bytes;
        switch (args[0])
        {
            case "checkpoint":
                {
                    var options = BenchOptions.CheckpointOptions(args[2..]);
                    if (Directory.Exists(args[1]))
                    {
                        Directory.Delete(args[1], recursive: true);
                    }

                    TinyCheckpoint.Write(args[1], options);
                    bytes = FolderBytes(args[1]);
                    break;
                }

            case "build":
                {
                    var precision = args[3] switch
                    {
                        "int4" => OnnxPrecision.Int4,
                        "fp16" => OnnxPrecision.Fp16,
                        _ => OnnxPrecision.Fp32,
                    };
                    var result = QwenOnnxBuilder.Build(args[1], args[2], precision);
                    bytes = result.ModelBytes + result.DataBytes;
                    break;
                }

            default:
                throw new ArgumentException($"unknown child step {args[0]}");
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(JsonSerializer.Serialize(new StepResult(seconds, self.PeakWorkingSet64, sampler.Peak, bytes), Json));
        return 0;
    }

    private static long FolderBytes(string dir) => new DirectoryInfo(dir).EnumerateFiles().Sum(f => f.Length);

    private static long CurrentRss()
    {
        using var self = Process.GetCurrentProcess();
        return self.WorkingSet64;
    }

    private static string RuntimeDescription() =>
        $"{System.Runtime.InteropServices.RuntimeInformation.OSDescription.Trim()}, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}";

    private static string Seconds(StepResult step) => double.IsNaN(step.Seconds) ? "reused" : F(step.Seconds, "0.0");

    private static string Mib(long bytes) => bytes == 0 ? "" : F(bytes / (1024.0 * 1024.0), "0");

    private static string F(double value, string format) => value.ToString(format, CultureInfo.InvariantCulture);

    private static void Table(string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        Console.WriteLine("|" + string.Join("|", widths.Select((w, i) => new string('-', w + 1) + (i == 0 ? "-" : ":"))) + "|");
        foreach (var row in rows)
        {
            Console.WriteLine("| " + string.Join(" | ", row.Select((c, i) => i == 0 ? c.PadRight(widths[i]) : c.PadLeft(widths[i]))) + " |");
        }
    }

    private sealed record StepResult(double Seconds, long PeakBytes, long PeakAnonBytes, long OutputBytes);

    private sealed record GenRun(
        TimeSpan Load,
        long RssAfterLoad,
        TimeSpan Prefill,
        TimeSpan Decode,
        int PrefillTokens,
        int DecodeSteps,
        IReadOnlyList<int> Tokens,
        float[] PromptLogits);
}
