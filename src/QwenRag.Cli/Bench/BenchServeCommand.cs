using System.CommandLine;
using System.Diagnostics;
using Microsoft.Extensions.AI;
using QwenRag.Generation.Chat;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench serve</c>: N clients asking at once, through the chat client's scheduler as <c>serve</c> runs it,
/// decoded together (MaxBatch N) and one at a time (MaxBatch 1, the others waiting), side by side in one process for
/// each N: aggregate tokens/s, time to first token and inter-token latency, and whether both ways give the same
/// greedy tokens.
/// </summary>
internal sealed class BenchServeCommand : Command
{
    /// <summary>The most clients one level may have (each holds a KV slot).</summary>
    private const int MaxClients = 256;

    private readonly Option<string> _model = new("--model") { Description = "Folder written by 'model build'", Required = true };
    private readonly Option<string> _clients = new("--clients") { Description = "Concurrent clients, comma-separated", DefaultValueFactory = _ => "1,2,4,8,16" };
    private readonly Option<int> _promptTokens = new("--prompt-tokens") { Description = "Prompt length of each client", DefaultValueFactory = _ => 128 };
    private readonly Option<int> _newTokens = new("--new-tokens") { Description = "Tokens each client asks for", DefaultValueFactory = _ => 64 };
    private readonly Option<ExecutionDevice> _device = CliOptions.Device();
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the random prompts", DefaultValueFactory = _ => 1 };
    private readonly Option<bool> _json = CliOptions.Json();

    public BenchServeCommand()
        : base("serve", "Concurrent generation: N clients decoded together against one at a time, tokens/s and latencies")
    {
        Options.Add(_model);
        Options.Add(_clients);
        Options.Add(_promptTokens);
        Options.Add(_newTokens);
        Options.Add(_device);
        Options.Add(_seed);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var directory = Path.GetFullPath(parse.GetValue(_model)!);
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"The model directory '{directory}' does not exist.");
        }

        int[] clients = [.. NumberList.Parse(parse.GetValue(_clients)!, "--clients", 1, MaxClients).Distinct().Order()];
        var promptTokens = parse.GetValue(_promptTokens);
        var newTokens = parse.GetValue(_newTokens);
        if (promptTokens < 1 || newTokens < 1)
        {
            throw new ArgumentException("--prompt-tokens and --new-tokens must be at least 1.");
        }

        using var model = new QwenOnnxModel(directory, new QwenRuntimeOptions { Device = parse.GetValue(_device) });
        if (promptTokens + newTokens > model.ContextLength)
        {
            throw new ArgumentException($"--prompt-tokens plus --new-tokens ({promptTokens + newTokens}) exceed the model's context of {model.ContextLength} tokens.");
        }

        var random = new Random(parse.GetValue(_seed));
        var top = Math.Min(model.VocabSize, 151643);
        var prompts = Enumerable.Range(0, clients.Max())
            .Select(_ => Enumerable.Range(0, promptTokens).Select(_ => random.Next(top)).ToArray())
            .ToArray();
        var asJson = parse.GetValue(_json);
        var progress = asJson ? null : Console.Out;

        // Warm-up: ONNX Runtime's first passes at each batch size are slower than the rest.
        await RunAsync(model, prompts[..Math.Min(2, prompts.Length)], Math.Min(4, newTokens), batched: true, cancellationToken);

        var levels = new List<ServeLevel>();
        foreach (var count in clients)
        {
            progress?.Write($"{count} clients ... ");
            var asked = prompts[..count];
            var oneAtATime = await RunAsync(model, asked, newTokens, batched: false, cancellationToken);
            var together = await RunAsync(model, asked, newTokens, batched: true, cancellationToken);
            // Clients are in ascending order, so a 1-client level, when asked for, comes first.
            var lone = count == 1 ? together.Result : levels.FirstOrDefault(level => level.Clients == 1)?.Batched;
            levels.Add(new ServeLevel(
                count, oneAtATime.Result, together.Result,
                Ratio(together.Result.AggregateTokensPerSecond, oneAtATime.Result.AggregateTokensPerSecond),
                Ratio(together.Result.DecodeTokensPerSecond, oneAtATime.Result.DecodeTokensPerSecond),
                lone is null ? null : Ratio(together.Result.InterTokenP50Ms, lone.InterTokenP50Ms),
                oneAtATime.Tokens.Zip(together.Tokens).All(pair => pair.First.SequenceEqual(pair.Second))));
            progress?.WriteLine("done");
        }

        if (asJson)
        {
            JsonOutput.Write(new { model = directory, device = model.Device.ToString(), promptTokens, newTokens, levels });
            return 0;
        }

        Print(directory, model, promptTokens, newTokens, levels);
        return 0;
    }

    /// <summary>Every prompt asked at once through a fresh chat client; each request's tokens and their arrival times.</summary>
    private static async Task<(ServeRun Result, int[][] Tokens)> RunAsync(
        QwenOnnxModel model, int[][] prompts, int newTokens, bool batched, CancellationToken cancellationToken)
    {
        var need = model.KvCacheBytes(prompts[0].Length + newTokens);
        var scheduling = new GenerationSchedulerOptions
        {
            MaxBatch = batched ? prompts.Length : 1,
            MaxQueuedRequests = prompts.Length,
            KvCacheBytes = need * prompts.Length,
        };
        using var client = new QwenChatClient(model, tokenizer: null, scheduling: scheduling);
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = newTokens };
        var started = Stopwatch.GetTimestamp();
        var requests = prompts.Select(prompt => Task.Run(() => TimeAsync(client, prompt, options, started, cancellationToken), cancellationToken)).ToArray();
        var timed = await Task.WhenAll(requests);
        var wall = Stopwatch.GetElapsedTime(started).TotalSeconds;

        // A request whose first pick is a stop token yields nothing (possible with random weights).
        var firsts = timed.Where(request => request.Arrivals.Length > 0).Select(request => request.Arrivals[0]).ToArray();
        var gaps = timed.SelectMany(request => request.Arrivals.Zip(request.Arrivals.Skip(1), (before, after) => after - before)).ToArray();
        var tokens = timed.Sum(request => request.Tokens.Length);
        var decodeSeconds = client.Scheduler.DecodeTime.TotalSeconds;
        var result = new ServeRun(
            scheduling.MaxBatch, tokens, wall, tokens / wall,
            decodeSeconds > 0 ? client.Scheduler.DecodedTokens / decodeSeconds : 0,
            Latencies.Percentile(firsts, 0.5), Latencies.Percentile(firsts, 0.99),
            Latencies.Percentile(gaps, 0.5), Latencies.Percentile(gaps, 0.99),
            client.Scheduler.PeakBatch);
        return (result, [.. timed.Select(request => request.Tokens)]);
    }

    /// <summary>One client's tokens and the milliseconds after <paramref name="started"/> at which each arrived.</summary>
    private static async Task<(int[] Tokens, double[] Arrivals)> TimeAsync(
        QwenChatClient client, int[] prompt, ChatOptions options, long started, CancellationToken cancellationToken)
    {
        var tokens = new List<int>();
        var arrivals = new List<double>();
        await foreach (var token in client.GenerateTokensAsync(prompt, options, cancellationToken).ConfigureAwait(false))
        {
            arrivals.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            tokens.Add(token);
        }

        return ([.. tokens], [.. arrivals]);
    }

    private static void Print(string directory, QwenOnnxModel model, int promptTokens, int newTokens, List<ServeLevel> levels)
    {
        Console.WriteLine();
        Console.WriteLine($"model {directory} on {model.Device}: {model.Layers} layers, vocab {model.VocabSize}; each client {promptTokens} prompt " +
            $"tokens, {newTokens} new, greedy; {Environment.ProcessorCount} logical cores");
        Console.WriteLine($"{"clients",7} {"mode",-12} {"tok/s",8} {"decode",8} {"TTFT p50",9} {"TTFT p99",9} {"ITL p50",8} {"ITL p99",8} {"peak batch",10}");
        foreach (var level in levels)
        {
            foreach (var (mode, run) in new[] { ("one at once", level.OneAtATime), ("batched", level.Batched) })
            {
                Console.WriteLine($"{level.Clients,7} {mode,-12} {run.AggregateTokensPerSecond,8:0.0} {run.DecodeTokensPerSecond,8:0.0} {run.TimeToFirstTokenP50Ms,6:0} ms " +
                    $"{run.TimeToFirstTokenP99Ms,6:0} ms {run.InterTokenP50Ms,5:0.0} ms {run.InterTokenP99Ms,5:0.0} ms {run.PeakBatch,10}");
            }

            Console.WriteLine($"{string.Empty,7} batched/one at once {level.Speedup:0.00}x tok/s, {level.DecodeSpeedup:0.00}x decode tok/s" +
                (level.InterTokenVsLone is { } vsLone ? $", inter-token p50 {vsLone:0.00}x a lone request's" : string.Empty) +
                (level.SameTokens ? ", same tokens" : ", TOKENS DIFFER"));
        }

        Console.WriteLine("(tok/s: every client's new tokens over the wall time from the first request to the last token, prompts included; " +
            "decode: the tokens decode steps made over the time spent in them, prompts excluded; TTFT: from the moment all clients asked; " +
            "ITL: the gaps between one request's consecutive tokens, a prompt read meanwhile included)");
    }

    private static double Ratio(double value, double baseline) => baseline > 0 ? value / baseline : 0;
}

/// <summary>One way of serving one level's clients.</summary>
internal sealed record ServeRun(
    int MaxBatch, int Tokens, double WallSeconds, double AggregateTokensPerSecond, double DecodeTokensPerSecond, double TimeToFirstTokenP50Ms,
    double TimeToFirstTokenP99Ms, double InterTokenP50Ms, double InterTokenP99Ms, int PeakBatch);

/// <summary>
/// One client count: one at a time and batched, the batched/one-at-a-time ratios of aggregate and decode tokens/s, the batched
/// inter-token p50 over a lone request's (the 1-client level, when measured), and whether both gave the same tokens.
/// </summary>
internal sealed record ServeLevel(
    int Clients, ServeRun OneAtATime, ServeRun Batched, double Speedup, double DecodeSpeedup, double? InterTokenVsLone, bool SameTokens);
