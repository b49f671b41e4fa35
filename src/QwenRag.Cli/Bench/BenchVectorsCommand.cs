using System.CommandLine;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench vectors</c>: the embedded vector store on clustered synthetic vectors; the Qdrant store's
/// request building (always); and, with <c>--qdrant URL</c>, the Qdrant store against raw Qdrant.Client calls.
/// </summary>
internal sealed class BenchVectorsCommand : Command
{
    /// <summary>Read by the Qdrant part, as the host's configuration would read it.</summary>
    public const string ApiKeyVariable = "QwenRag__Qdrant__ApiKey";

    private readonly Option<int> _count = new("--count") { Description = "Vectors to index (also chunks encoded and points upserted into Qdrant)", DefaultValueFactory = _ => 10_000 };
    private readonly Option<string?> _qdrant = new("--qdrant")
    {
        Description = $"Qdrant gRPC URL (e.g. http://localhost:6334): also upsert and search a scratch collection there, through the adapter and raw; API key from {ApiKeyVariable}",
        HelpName = "URL",
    };

    private readonly Option<string[]> _corpus = new("--corpus")
    {
        Description = "Files or folders whose chunks (extracted and chunked as ingestion does) feed the request building; default: synthetic 150-word texts",
        HelpName = "PATH",
        AllowMultipleArgumentsPerToken = true,
    };

    private readonly Option<bool> _json = CliOptions.Json();

    public BenchVectorsCommand()
        : base("vectors", "Vector store insert rate, open time, search p50/p99 and ANN recall@10 on clustered 384-d vectors; Qdrant request building; with --qdrant, adapter against raw Qdrant.Client")
    {
        Options.Add(_count);
        Options.Add(_qdrant);
        Options.Add(_corpus);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var count = parse.GetValue(_count);
        if (count < 1)
        {
            throw new CommandFailedException("--count must be 1 or more");
        }

        var (texts, source) = await TextsAsync(parse.GetValue(_corpus) ?? [], cancellationToken);
        var embedded = await VectorStoreBenchmark.Run(count, cancellationToken: cancellationToken);
        var building = RequestBuildingBenchmark.Run(texts, source, count);
        QdrantBenchmarkResult? qdrant = null;
        if (parse.GetValue(_qdrant) is { Length: > 0 } url)
        {
            qdrant = await QdrantBenchmark.RunAsync(
                url, Environment.GetEnvironmentVariable(ApiKeyVariable), texts, count, cancellationToken: cancellationToken);
        }

        var result = BenchVectorsResult.Create(embedded, building, qdrant);
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(result);
        }
        else
        {
            Print(result);
        }

        return 0;
    }

    private static async Task<(IReadOnlyList<string> Texts, string Source)> TextsAsync(string[] paths, CancellationToken cancellationToken)
    {
        if (paths.Length == 0)
        {
            return (BenchChunkTexts.Synthetic(1000), $"synthetic {BenchChunkTexts.SyntheticWords}-word texts");
        }

        var extractors = DocumentExtractors.CreateDefault();
        var (files, missing) = InputFiles.Expand(paths, path => extractors.TryResolve(path, null, out _));
        if (missing.Count > 0)
        {
            throw new CommandFailedException($"not found: {string.Join(", ", missing)}");
        }

        var texts = await BenchChunkTexts.FromFilesAsync(files, cancellationToken);
        return texts.Count == 0
            ? throw new CommandFailedException($"no chunks in {string.Join(", ", paths)}")
            : (texts, $"chunks of {files.Count} files");
    }

    private static void Print(BenchVectorsResult result)
    {
        var e = result.Embedded;
        var r = result.RequestBuilding;
        Console.WriteLine(e);
        Console.WriteLine();
        Console.WriteLine($"Qdrant request building (no server needed), {r.TextSource}: {r.Texts} texts, {r.MeanWordsPerChunk:0} words and {r.MeanSparseTermsPerChunk:0} sparse terms per chunk");
        Console.WriteLine($"  sparse vector per chunk  p50 {r.DocumentEncodeP50Microseconds,8:0.0} µs  p99 {r.DocumentEncodeP99Microseconds,8:0.0} µs  {r.DocumentEncodeChunksPerSecond,9:0} chunks/s ({r.Chunks} chunks)");
        Console.WriteLine($"  sparse vector per query  p50 {r.QueryEncodeP50Microseconds,8:0.0} µs  p99 {r.QueryEncodeP99Microseconds,8:0.0} µs  ({r.Searches} queries)");
        Console.WriteLine($"  hybrid QueryPoints       p50 {r.HybridRequestP50Microseconds,8:0.0} µs  p99 {r.HybridRequestP99Microseconds,8:0.0} µs  {r.HybridRequestBytes} bytes (incl. query encoding)");
        Console.WriteLine($"  {r.BatchSize}-point UpsertPoints  p50 {r.BatchBuildP50Milliseconds,8:0.00} ms  p99 {r.BatchBuildP99Milliseconds,8:0.00} ms  {r.BatchBytes} bytes ({r.Dimensions}-d, sparse pre-encoded; {r.Batches} batches)");
        Console.WriteLine($"    with sparse encoding   p50 {r.BatchWithSparseP50Milliseconds,8:0.00} ms  p99 {r.BatchWithSparseP99Milliseconds,8:0.00} ms  (what the adapter does per batch)");
        Console.WriteLine($"  against the embedded store in this run: hybrid request {result.HybridRequestToAnnSearchP50:0.000}x an ANN search, {result.HybridRequestToExactSearchP50:0.000}x an exact search (p50);"
            + $" batch building {result.BatchBuildToEmbeddedInsert:0.00}x the embedded insert of {r.BatchSize} vectors");
        if (!e.AnnUsed)
        {
            Console.WriteLine($"  (at {e.Count} vectors the embedded store searches exactly; its ANN index starts at a larger count)");
        }
        Console.WriteLine();
        if (result.Qdrant is not { } q)
        {
            Console.WriteLine($"Qdrant: {result.QdrantNote}.");
            return;
        }

        Console.WriteLine($"Qdrant {q.ServerVersion} at {q.Url}, scratch collection '{q.Collection}' ({(q.CleanedUp ? "dropped" : "NOT dropped, remove it by hand")})");
        Console.WriteLine($"  upsert {q.Points} points, batches of {q.BatchSize}, wait: adapter {q.AdapterUpsertPointsPerSecond:0} points/s, raw {q.RawUpsertPointsPerSecond:0} points/s"
            + $" ({q.RawWithBuildingPointsPerSecond:0} with building the messages), adapter/raw time {q.UpsertTimeRatio:0.000} (goal ≤ 1.10)");
        Console.WriteLine($"  hybrid search ({q.Searches}): adapter p50 {q.AdapterSearchP50Milliseconds:0.000} ms p99 {q.AdapterSearchP99Milliseconds:0.000} ms, raw p50 {q.RawSearchP50Milliseconds:0.000} ms p99 {q.RawSearchP99Milliseconds:0.000} ms,"
            + $" adapter/raw p50 {q.SearchP50Ratio:0.000} p99 {q.SearchP99Ratio:0.000} (goal ≤ 1.10)");
    }
}
