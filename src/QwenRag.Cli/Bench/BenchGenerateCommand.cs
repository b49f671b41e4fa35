using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Microsoft.ML.OnnxRuntimeGenAI;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench generate</c>: prefill and decode tokens/s and peak memory of greedy generation, QwenRag's runtime
/// and (with <c>--compare-genai</c>) onnxruntime-genai on the same folder, each engine in a child process so that each
/// peak is its own; then the KV cache memory at several context lengths.
/// </summary>
internal sealed class BenchGenerateCommand : Command
{
    private const string Ours = "qwenrag";
    private const string GenAi = "onnxruntime-genai";

    private readonly Option<string> _model = new("--model") { Description = "Folder written by 'model build'", Required = true };
    private readonly Option<int> _promptTokens = new("--prompt-tokens") { Description = "Prompt length", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _newTokens = new("--new-tokens") { Description = "Tokens to generate (one decode pass each after the first)", DefaultValueFactory = _ => 32 };
    private readonly Option<int> _runs = new("--runs") { Description = "Measured runs per engine, after one warm-up (the median is reported)", DefaultValueFactory = _ => 3 };
    private readonly Option<ExecutionDevice> _device = CliOptions.Device();
    private readonly Option<bool> _compare = new("--compare-genai") { Description = "Also run onnxruntime-genai 0.18 on the same folder and prompt" };

    private readonly Option<string> _contexts = new("--kv-contexts")
    {
        Description = "Context lengths to size the KV cache for, comma-separated",
        DefaultValueFactory = _ => "4096,16384,32768",
    };

    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the random prompt", DefaultValueFactory = _ => 1 };
    private readonly Option<string?> _engine = new("--engine") { Description = "Run one engine in this process and print its JSON (used by the benchmark itself)", Hidden = true };
    private readonly Option<bool> _json = CliOptions.Json();

    public BenchGenerateCommand()
        : base("generate", "Prefill and decode tokens/s, peak memory and KV cache memory of a Qwen model folder")
    {
        _engine.AcceptOnlyFromAmong(Ours, GenAi);
        Options.Add(_model);
        Options.Add(_promptTokens);
        Options.Add(_newTokens);
        Options.Add(_runs);
        Options.Add(_device);
        Options.Add(_compare);
        Options.Add(_contexts);
        Options.Add(_seed);
        Options.Add(_engine);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var settings = new GenerationBenchSettings(
            Path.GetFullPath(parse.GetValue(_model)!),
            parse.GetValue(_promptTokens),
            parse.GetValue(_newTokens),
            parse.GetValue(_runs),
            parse.GetValue(_device),
            NumberList.Parse(parse.GetValue(_contexts)!, "--kv-contexts", 1),
            parse.GetValue(_seed));
        settings.Validate();
        if (parse.GetValue(_engine) is { } name)
        {
            JsonOutput.Write(name == Ours ? RunOurs(settings) : RunGenAi(settings));
            return 0;
        }

        List<EngineRun> results = [await RunChildAsync(Ours, settings, cancellationToken)];

        string? genaiError = null;
        if (parse.GetValue(_compare))
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

        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new { model = settings.Model, settings.PromptTokens, settings.NewTokens, settings.Runs, engines = results, genaiError });
            return 0;
        }

        Print(settings, results, genaiError);
        return 0;
    }

    private static EngineRun RunOurs(GenerationBenchSettings settings)
    {
        var clock = Stopwatch.StartNew();
        using var model = new QwenOnnxModel(settings.Model, new QwenRuntimeOptions { Device = settings.Device });
        var load = clock.Elapsed.TotalSeconds;
        var prompt = settings.Prompt(model.VocabSize);
        var steps = settings.NewTokens + 1;
        Greedy(model, prompt[..Math.Min(prompt.Length, 16)], 3); // warm-up
        var measured = Enumerable.Range(0, settings.Runs).Select(_ => Greedy(model, prompt, steps)).ToList();
        var peak = PeakWorkingSet();

        var kv = new List<KvMemory>();
        foreach (var context in settings.Contexts.Where(context => context <= model.ContextLength))
        {
            kv.Add(MeasureCache(model, context));
        }

        var shape = new ModelShape(model.Layers, model.KvHeads, model.HeadDim, model.VocabSize, model.ContextLength,
            model.WindowCachedLayers, model.LocalWindowSize, model.WindowCacheLength);
        return new EngineRun(Ours, model.Device.ToString(), model.DeviceReason, load, prompt.Length,
            Median(measured.Select(run => run.Prefill.TotalSeconds)), measured[0].Tokens.Length - 1,
            Median(measured.Select(run => run.Decode.TotalSeconds)), peak, measured[0].Tokens, shape, [.. kv]);
    }

    /// <summary>
    /// Plain argmax decoding through the model's public passes, as <see cref="GenAiGreedy"/> does it with genai: the
    /// prompt in passes of <see cref="QwenOnnxModel.DefaultPrefillChunk"/> tokens like the generator, the last of which
    /// picks the first new token, then one pass per further token. No stop tokens, no repetition penalty, so that both
    /// engines run the same number of passes and should agree token for token.
    /// </summary>
    private static (int[] Tokens, TimeSpan Prefill, TimeSpan Decode) Greedy(QwenOnnxModel model, int[] prompt, int newTokens)
    {
        var tokens = new int[newTokens];
        using var cache = model.CreateCache(Math.Min(model.ContextLength, prompt.Length + newTokens));
        var clock = Stopwatch.StartNew();
        float[] logits = [];
        for (var start = 0; start < prompt.Length; start += QwenOnnxModel.DefaultPrefillChunk)
        {
            logits = model.Append(cache, prompt.AsSpan(start, Math.Min(QwenOnnxModel.DefaultPrefillChunk, prompt.Length - start)));
        }

        tokens[0] = QwenOnnxModel.ArgMax(logits);
        var prefill = clock.Elapsed;
        clock.Restart();
        for (var i = 1; i < newTokens; i++)
        {
            tokens[i] = QwenOnnxModel.ArgMax(model.Append(cache, tokens.AsSpan(i - 1, 1)));
        }

        return (tokens, prefill, clock.Elapsed);
    }

    /// <summary>Allocates the cache for <paramref name="context"/> tokens and, on the CPU, clears it, which writes every byte so that it is resident.</summary>
    private static KvMemory MeasureCache(QwenOnnxModel model, int context)
    {
        var before = Environment.WorkingSet;
        using var cache = model.CreateCache(context);
        if (model.Device != ExecutionDevice.Cpu)
        {
            return new KvMemory(context, cache.Bytes, null);
        }

        cache.Clear();
        return new KvMemory(context, cache.Bytes, Environment.WorkingSet - before);
    }

    private static EngineRun RunGenAi(GenerationBenchSettings settings)
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

    private static async Task<EngineRun> RunChildAsync(string engine, GenerationBenchSettings settings, CancellationToken cancellationToken)
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

    private static void Print(GenerationBenchSettings settings, List<EngineRun> results, string? genaiError)
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
}
