using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntimeGenAI;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Commands;

/// <summary>One engine's greedy generation over a model folder, measured in a process of its own.</summary>
internal sealed record EngineRun(
    string Engine,
    string Device,
    string DeviceReason,
    double LoadSeconds,
    int PromptTokens,
    double PrefillSeconds,
    int DecodeSteps,
    double DecodeSeconds,
    long PeakWorkingSetBytes,
    int[] Tokens,
    ModelShape? Shape,
    KvMemory[] KvMemory)
{
    public double PrefillTokensPerSecond => PromptTokens / PrefillSeconds;

    public double DecodeTokensPerSecond => DecodeSteps / DecodeSeconds;
}

internal sealed record ModelShape(
    int Layers, int KvHeads, int HeadDim, int VocabSize, int ContextLength, int WindowCachedLayers, int? LocalWindowSize, int WindowCacheLength);

/// <summary>The KV cache for a context: what its buffers take, and how much the working set grew once they were written.</summary>
internal sealed record KvMemory(int Context, long AllocatedBytes, long? WorkingSetGrowthBytes);

/// <summary>
/// <c>qwenrag bench generate</c>: prefill and decode tokens/s and peak memory of greedy generation, QwenRag's runtime
/// and (with <c>--compare-genai</c>) onnxruntime-genai on the same folder, each engine in a child process so that each
/// peak is its own; then the KV cache memory at several context lengths.
/// </summary>
internal static class BenchGenerateCommand
{
    private const string Ours = "qwenrag";
    private const string GenAi = "onnxruntime-genai";

    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Folder written by 'model build'", Required = true };
        var promptTokens = new Option<int>("--prompt-tokens") { Description = "Prompt length", DefaultValueFactory = _ => 128 };
        var newTokens = new Option<int>("--new-tokens") { Description = "Tokens to generate (one decode pass each after the first)", DefaultValueFactory = _ => 32 };
        var runs = new Option<int>("--runs") { Description = "Measured runs per engine, after one warm-up (the median is reported)", DefaultValueFactory = _ => 3 };
        var device = CliOptions.Device();
        var compare = new Option<bool>("--compare-genai") { Description = "Also run onnxruntime-genai 0.18 on the same folder and prompt" };
        var contexts = new Option<string>("--kv-contexts")
        {
            Description = "Context lengths to size the KV cache for, comma-separated",
            DefaultValueFactory = _ => "4096,16384,32768",
        };
        var seed = new Option<int>("--seed") { Description = "Seed of the random prompt", DefaultValueFactory = _ => 1 };
        var engine = new Option<string?>("--engine") { Description = "Run one engine in this process and print its JSON (used by the benchmark itself)", Hidden = true };
        engine.AcceptOnlyFromAmong(Ours, GenAi);
        var json = CliOptions.Json();
        var command = new Command("generate", "Prefill and decode tokens/s, peak memory and KV cache memory of a Qwen model folder")
        {
            model, promptTokens, newTokens, runs, device, compare, contexts, seed, engine, json,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var settings = new Settings(
                Path.GetFullPath(parse.GetValue(model)!),
                parse.GetValue(promptTokens),
                parse.GetValue(newTokens),
                parse.GetValue(runs),
                parse.GetValue(device),
                ParseContexts(parse.GetValue(contexts)!),
                parse.GetValue(seed));
            settings.Validate();
            if (parse.GetValue(engine) is { } name)
            {
                try
                {
                    JsonOutput.Write(name == Ours ? RunOurs(settings) : RunGenAi(settings));
                    return 0;
                }
                catch (OnnxRuntimeGenAIException e)
                {
                    return CommandErrors.Report(e.Message);
                }
            }

            List<EngineRun> results;
            try
            {
                results = [await RunChildAsync(Ours, settings, cancellationToken)];
            }
            catch (InvalidOperationException e)
            {
                return CommandErrors.Report(e.Message);
            }

            string? genaiError = null;
            if (parse.GetValue(compare))
            {
                try
                {
                    results.Add(await RunChildAsync(GenAi, settings, cancellationToken));
                }
                catch (InvalidOperationException e)
                {
                    genaiError = e.Message;
                }
            }

            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { model = settings.Model, settings.PromptTokens, settings.NewTokens, settings.Runs, engines = results, genaiError });
                return 0;
            }

            Print(settings, results, genaiError);
            return 0;
        }));
        return command;
    }

    private static EngineRun RunOurs(Settings settings)
    {
        var clock = Stopwatch.StartNew();
        using var model = new QwenOnnxModel(settings.Model, new QwenRuntimeOptions { Device = settings.Device });
        var load = clock.Elapsed.TotalSeconds;
        var prompt = settings.Prompt(model.VocabSize);
        var steps = settings.NewTokens + 1;
        model.Greedy(prompt[..Math.Min(prompt.Length, 16)], 3); // warm-up
        var measured = Enumerable.Range(0, settings.Runs).Select(_ => model.Greedy(prompt, steps)).ToList();
        var peak = PeakWorkingSet();

        var kv = new List<KvMemory>();
        foreach (var context in settings.Contexts.Where(context => context <= model.ContextLength))
        {
            kv.Add(MeasureCache(model, context));
        }

        var shape = new ModelShape(model.Layers, model.KvHeads, model.HeadDim, model.VocabSize, model.ContextLength,
            model.WindowCachedLayers, model.LocalWindowSize, model.WindowCacheLength);
        return new EngineRun(Ours, model.Device.ToString(), model.DeviceReason, load, prompt.Length,
            Median(measured.Select(run => run.Prefill.TotalSeconds)), measured[0].DecodeSteps,
            Median(measured.Select(run => run.Decode.TotalSeconds)), peak, [.. measured[0].Tokens], shape, [.. kv]);
    }

    /// <summary>Allocates the cache for <paramref name="context"/> tokens and, on the CPU, writes every byte so that it is resident.</summary>
    private static KvMemory MeasureCache(QwenOnnxModel model, int context)
    {
        var before = Environment.WorkingSet;
        using var cache = model.CreateCache(context);
        if (model.Device != ExecutionDevice.Cpu)
        {
            return new KvMemory(context, cache.Bytes, null);
        }

        foreach (var buffer in cache.Buffers)
        {
            buffer.GetTensorMutableRawData().Fill(1);
        }

        return new KvMemory(context, cache.Bytes, Environment.WorkingSet - before);
    }

    private static EngineRun RunGenAi(Settings settings)
    {
        var clock = Stopwatch.StartNew();
        using var config = new Config(settings.Model);
        // genai's own default is one intra-op thread; ONNX Runtime's (which QwenRag keeps) is one per core. Same for both.
        config.Overlay(System.Text.Json.JsonSerializer.Serialize(
            new { model = new { decoder = new { session_options = new { intra_op_num_threads = Environment.ProcessorCount } } } }));
        using var model = new Model(config);
        var load = clock.Elapsed.TotalSeconds;
        var vocab = ReadVocabSize(settings.Model);
        var prompt = settings.Prompt(vocab);
        var steps = settings.NewTokens + 1;
        GenAiGreedy(model, prompt[..Math.Min(prompt.Length, 16)], 3); // warm-up
        var measured = Enumerable.Range(0, settings.Runs).Select(_ => GenAiGreedy(model, prompt, steps)).ToList();
        return new EngineRun(GenAi, "Cpu", "onnxruntime-genai's CPU package", load, prompt.Length,
            Median(measured.Select(run => run.Prefill.TotalSeconds)), measured[0].Tokens.Length - 1,
            Median(measured.Select(run => run.Decode.TotalSeconds)), PeakWorkingSet(), measured[0].Tokens, null, []);
    }

    /// <summary>AppendTokens runs the prompt pass; each GenerateNextToken after the first runs one one-token pass.</summary>
    private static (int[] Tokens, TimeSpan Prefill, TimeSpan Decode) GenAiGreedy(Model model, int[] prompt, int newTokens)
    {
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        parameters.SetSearchOption("do_sample", false);
        using var generator = new Generator(model, parameters);
        var clock = Stopwatch.StartNew();
        generator.AppendTokens(prompt);
        generator.GenerateNextToken();
        var prefill = clock.Elapsed;
        clock.Restart();
        for (var i = 1; i < newTokens && !generator.IsDone(); i++)
        {
            generator.GenerateNextToken();
        }

        var decode = clock.Elapsed;
        return (generator.GetSequence(0)[prompt.Length..].ToArray(), prefill, decode);
    }

    private static async Task<EngineRun> RunChildAsync(string engine, Settings settings, CancellationToken cancellationToken)
    {
        var start = SelfProcess.StartInfo(
        [
            "bench", "generate", "--engine", engine, "--json", "--model", settings.Model,
            "--prompt-tokens", Invariant(settings.PromptTokens), "--new-tokens", Invariant(settings.NewTokens), "--runs", Invariant(settings.Runs),
            "--device", settings.Device.ToString().ToLowerInvariant(), "--kv-contexts", string.Join(',', settings.Contexts.Select(Invariant)), "--seed", Invariant(settings.Seed),
        ]);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start the {engine} run.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout;
        if (process.ExitCode != 0)
        {
            // The last line is this program's own "error: ..." report; what comes before is ONNX Runtime's log.
            var error = (await stderr).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? output.Trim();
            throw new InvalidOperationException($"{engine} failed: {error}");
        }

        var line = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last();
        return JsonOutput.Read<EngineRun>(line);
    }

    private static void Print(Settings settings, List<EngineRun> results, string? genaiError)
    {
        var ours = results[0];
        var shape = ours.Shape!;
        Console.WriteLine($"model {settings.Model}: {shape.Layers} layers, {shape.KvHeads} kv heads x {shape.HeadDim}, vocab {shape.VocabSize}, " +
            $"context {shape.ContextLength}" + (shape.WindowCachedLayers > 0
                ? $", {shape.WindowCachedLayers} layers with a {shape.LocalWindowSize}-token window ({shape.WindowCacheLength}-position cache)"
                : ", no window-cached layers"));
        Console.WriteLine($"prompt {settings.PromptTokens} tokens, {settings.NewTokens} new tokens, greedy; median of {settings.Runs} runs after a warm-up; " +
            $"{Environment.ProcessorCount} logical cores");
        Console.WriteLine();
        Console.WriteLine($"{"engine",-18} {"device",-6} {"load s",7} {"prefill tok/s",14} {"decode tok/s",13} {"peak MiB",9}");
        foreach (var run in results)
        {
            Console.WriteLine($"{run.Engine,-18} {run.Device,-6} {run.LoadSeconds,7:0.00} {run.PrefillTokensPerSecond,14:0.0} " +
                $"{run.DecodeTokensPerSecond,13:0.00} {run.PeakWorkingSetBytes / 1048576.0,9:0}");
        }

        Console.WriteLine($"device: {ours.DeviceReason}");
        if (results.Count > 1)
        {
            var genai = results[1];
            var same = ours.Tokens.Zip(genai.Tokens).TakeWhile(pair => pair.First == pair.Second).Count();
            Console.WriteLine($"greedy tokens identical for {same} of {Math.Min(ours.Tokens.Length, genai.Tokens.Length)}");
        }

        if (genaiError is not null)
        {
            Console.WriteLine(genaiError);
        }

        Console.WriteLine();
        Console.WriteLine($"{"KV cache, context",18} {"allocated MiB",14} {"resident +MiB",14}");
        foreach (var kv in ours.KvMemory)
        {
            var growth = kv.WorkingSetGrowthBytes is { } bytes ? (bytes / 1048576.0).ToString("0", CultureInfo.InvariantCulture) : "n/a";
            Console.WriteLine($"{kv.Context,18} {kv.AllocatedBytes / 1048576.0,14:0.0} {growth,14}");
        }

        Console.WriteLine("(allocated: every layer's key and value buffers for that many tokens; resident: working-set growth once all were " +
            "written, one context after the other, so a row can reuse memory the row before it freed)");
    }

    private static int[] ParseContexts(string text)
    {
        try
        {
            return [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(value => int.Parse(value, CultureInfo.InvariantCulture))];
        }
        catch (FormatException)
        {
            throw new ArgumentException($"--kv-contexts must be comma-separated whole numbers (was '{text}').");
        }
    }

    private static int ReadVocabSize(string modelDirectory)
    {
        var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(modelDirectory, "genai_config.json")));
        return config?["model"]?["vocab_size"]?.GetValue<int>() ?? throw new InvalidDataException("genai_config.json has no model.vocab_size.");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private sealed record Settings(string Model, int PromptTokens, int NewTokens, int Runs, ExecutionDevice Device, int[] Contexts, int Seed)
    {
        public void Validate()
        {
            if (!Directory.Exists(Model))
            {
                throw new ArgumentException($"The model directory '{Model}' does not exist.");
            }

            if (PromptTokens < 1 || NewTokens < 1 || Runs < 1)
            {
                throw new ArgumentException("--prompt-tokens, --new-tokens and --runs must be at least 1.");
            }

            if (Contexts.Any(context => context < 1))
            {
                throw new ArgumentException("--kv-contexts must be positive.");
            }
        }

        /// <summary>The same pseudo-random prompt for every engine: ids below the regular vocabulary.</summary>
        public int[] Prompt(int vocab)
        {
            var random = new Random(Seed);
            var top = Math.Min(vocab, 151643);
            return [.. Enumerable.Range(0, PromptTokens).Select(_ => random.Next(top))];
        }
    }
}
