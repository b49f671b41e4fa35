using System.CommandLine;
using System.Net.Http.Json;

namespace QwenRag.Cli.Bench;

/// <summary><c>qwenrag bench http</c>: search and ask throughput and latency of a running API, and upload-to-searchable time.</summary>
internal sealed class BenchHttpCommand : Command
{
    /// <summary>Unmeasured search load first, so JIT, caches and connection pools are warm when timing starts.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(3);

    private readonly Option<string> _url = new("--url") { Description = "Base address of a running API", DefaultValueFactory = _ => "http://127.0.0.1:5080" };
    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<string?> _key = new("--key") { Description = "API key (sent as X-Api-Key)" };
    private readonly Option<int> _clients = new("--clients") { Description = "Concurrent clients", DefaultValueFactory = _ => 16 };
    private readonly Option<int> _seconds = new("--seconds") { Description = "Seconds of load per endpoint", DefaultValueFactory = _ => 20 };
    private readonly Option<string?> _upload = new("--upload") { Description = "Also upload this file and time it until a search finds it" };
    private readonly Option<string?> _questions = new("--questions") { Description = "Queries to rotate through: JSON lines with \"question\", or plain lines" };
    private readonly Option<bool> _mixed = new("--mixed")
    {
        Description = "Then search and ask at once (the clients split between them) while --upload's file is uploaded again and again",
    };

    private readonly Option<bool> _json = CliOptions.Json();

    public BenchHttpCommand()
        : base("http", "Requests/s and p50/p99 latency of search and ask under concurrent clients, against a running API")
    {
        _clients.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 1024)
            {
                result.AddError("--clients must be between 1 and 1024.");
            }
        });
        _seconds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() < 1)
            {
                result.AddError("--seconds must be at least 1.");
            }
        });
        Options.Add(_url);
        Options.Add(_set);
        Options.Add(_key);
        Options.Add(_clients);
        Options.Add(_seconds);
        Options.Add(_upload);
        Options.Add(_questions);
        Options.Add(_mixed);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var file = parse.GetValue(_upload);
        if (file is not null && !File.Exists(file))
        {
            throw new CommandFailedException($"not found: {file}");
        }

        var queries = parse.GetValue(_questions) is { } path ? BenchQueries.Read(path) : BenchQueries.Default;
        var setName = parse.GetValue(_set)!;
        var clientCount = parse.GetValue(_clients);
        var duration = TimeSpan.FromSeconds(parse.GetValue(_seconds));
        var quiet = parse.GetValue(_json);
        using var client = CreateClient(parse.GetValue(_url)!, parse.GetValue(_key), clientCount);
        await WarmUpAsync(client, setName, queries[0], cancellationToken);
        Progress(quiet, "warm-up ...");
        await HttpLoad.RunAsync(
            client, "search", i => Post(setName, "search", new { query = queries[i % queries.Count], top = 5 }),
            clientCount, WarmUp, cancellationToken);
        await HttpLoad.RunAsync(
            client, "ask", i => Post(setName, "ask", new { question = queries[i % queries.Count] }),
            Math.Min(clientCount, 4), TimeSpan.Zero, cancellationToken);
        Progress(quiet, $"search: {clientCount} clients for {duration.TotalSeconds:0} s ...");
        var search = await HttpLoad.RunAsync(
            client, "search", i => Post(setName, "search", new { query = queries[i % queries.Count], top = 5 }),
            clientCount, duration, cancellationToken);
        Progress(quiet, $"ask: {clientCount} clients for {duration.TotalSeconds:0} s ...");
        var ask = await HttpLoad.RunAsync(
            client, "ask", i => Post(setName, "ask", new { question = queries[i % queries.Count] }),
            clientCount, duration, cancellationToken);
        UploadTimingResult? timing = null;
        if (file is not null)
        {
            Progress(quiet, $"upload: {Path.GetFileName(file)} ...");
            timing = await UploadTiming.RunAsync(client, setName, file, cancellationToken);
        }

        MixedLoadResult? mixed = null;
        if (parse.GetValue(_mixed))
        {
            Progress(quiet, $"mixed: search and ask, {clientCount} clients for {duration.TotalSeconds:0} s{(file is null ? string.Empty : ", uploading " + Path.GetFileName(file))} ...");
            mixed = await MixedLoad.RunAsync(
                client,
                setName,
                i => Post(setName, "search", new { query = queries[i % queries.Count], top = 5 }),
                i => Post(setName, "ask", new { question = queries[i % queries.Count] }),
                clientCount,
                duration,
                file,
                cancellationToken);
        }

        var result = new HttpBenchResult(client.BaseAddress!.ToString(), setName, search, ask, timing, mixed);
        if (quiet)
        {
            JsonOutput.Write(result);
        }
        else
        {
            Print(result);
        }

        return search.Requests > 0 && ask.Requests > 0 && timing is null or { Status: "succeeded" }
            && mixed is null or { Search.Requests: > 0, Ask.Requests: > 0 }
            ? 0
            : CommandErrors.Failure;
    }

    private static HttpClient CreateClient(string url, string? key, int clients)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = clients, PooledConnectionLifetime = Timeout.InfiniteTimeSpan };
        var client = new HttpClient(handler) { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromSeconds(100) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    private static HttpRequestMessage Post(string set, string action, object body) =>
        new(HttpMethod.Post, $"v1/sets/{Uri.EscapeDataString(set)}/{action}") { Content = JsonContent.Create(body) };

    /// <summary>One search and one ask first: connections open, code paths warm, and a wrong key or set reported at once.</summary>
    private static async Task WarmUpAsync(HttpClient client, string set, string query, CancellationToken cancellationToken)
    {
        foreach (var request in new[] { Post(set, "search", new { query, top = 5 }), Post(set, "ask", new { question = query }) })
        {
            using (request)
            using (var response = await client.SendAsync(request, cancellationToken))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new HttpRequestException(
                        $"{request.RequestUri} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
                }
            }
        }
    }

    private static void Progress(bool quiet, string message)
    {
        if (!quiet)
        {
            Console.Error.WriteLine(message);
        }
    }

    private static void Print(HttpBenchResult result)
    {
        Console.WriteLine($"{result.Url} set '{result.Set}'");
        PrintLoad(string.Empty, result.Search);
        PrintLoad(string.Empty, result.Ask);

        if (result.Upload is { } upload)
        {
            Console.WriteLine($"  upload {upload.File} ({upload.Bytes / 1024.0:0} KiB): accepted {upload.AcceptedMs:0} ms, " +
                $"job {upload.Status} {upload.SucceededMs:0} ms, searchable {upload.SearchableMs:0} ms after the request was sent");
            if (upload.Error is not null)
            {
                Console.WriteLine($"         error: {upload.Error}");
            }

            if (upload.AlreadyPresent)
            {
                Console.WriteLine("         note: the set already held these bytes under this name, so ingestion may have been skipped");
            }
        }

        if (result.Mixed is { } mixed)
        {
            Console.WriteLine($"  mixed load ({mixed.UploadsIngested} uploads ingested meanwhile, {mixed.UploadsFailed} failed):");
            PrintLoad("  ", mixed.Search);
            PrintLoad("  ", mixed.Ask);
            if (mixed.FirstUploadError is not null)
            {
                Console.WriteLine($"         first upload error: {mixed.FirstUploadError}");
            }
        }
    }

    private static void PrintLoad(string indent, HttpLoadResult load)
    {
        Console.WriteLine(
            $"  {indent}{load.Endpoint,-6} {load.RequestsPerSecond,8:0.0} req/s  p50 {load.LatencyP50Ms,7:0.0} ms  p99 {load.LatencyP99Ms,7:0.0} ms  " +
            $"max {load.LatencyMaxMs,7:0.0} ms  ({load.Requests} ok, {load.Errors} errors, {load.Clients} clients, {load.Seconds:0.0} s)");
        if (load.FirstError is not null)
        {
            Console.WriteLine($"  {indent}       first error: {load.FirstError}");
        }
    }
}
