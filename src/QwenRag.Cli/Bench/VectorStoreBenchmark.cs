using System.Diagnostics;
using QwenRag.Core;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Cli.Bench;

/// <summary>
/// A macro benchmark of <see cref="EmbeddedVectorStore"/> on clustered synthetic 384-d vectors (what
/// <c>qwenrag bench vectors --count N</c> runs): insert throughput, cold open, exact and approximate search
/// latency, recall@10 of the approximate index against exact search, memory.
/// </summary>
internal static class VectorStoreBenchmark
{
    public const int Dimensions = 384;
    private const string Set = "bench";

    /// <param name="count">Vectors to store.</param>
    /// <param name="queries">Searches timed in each mode.</param>
    /// <param name="directory">Where to build the store; null uses a temporary directory, deleted afterwards.</param>
    /// <param name="options">Store options for the approximate runs (the exact runs raise the threshold out of reach).</param>
    public static async Task<VectorStoreBenchmarkResult> Run(
        int count,
        int queries = 500,
        string? directory = null,
        EmbeddedVectorStoreOptions? options = null,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        var root = directory ?? Path.Combine(Path.GetTempPath(), "qwenrag-bench-" + Guid.NewGuid().ToString("N"));
        options ??= new EmbeddedVectorStoreOptions();
        try
        {
            var clusters = Math.Clamp(count / 100, 100, 1000);
            var vectors = ClusteredVectors.Generate(count, Dimensions, clusters, seed: 42);

            // Same seed, so same cluster centres, and fresh points after the data: queries land among the data.
            var queryVectors = ClusteredVectors.Generate(count + queries, Dimensions, clusters, seed: 42)[count..];

            progress?.Report($"inserting {count} vectors");
            var insert = Stopwatch.StartNew();
            using (var store = new EmbeddedVectorStore(root, options))
            {
                const int batch = 1000;
                for (var start = 0; start < count; start += batch)
                {
                    var chunks = Enumerable.Range(start, Math.Min(batch, count - start))
                        .Select(i => new ChunkVector(
                            new ChunkRecord(new Guid(i, 0, 0, new byte[8]), Set, $"d{i / 50}", $"doc{i / 50}.txt", i % 50, 1, 1, $"chunk {i}", []),
                            vectors[i]))
                        .ToList();
                    await store.UpsertAsync(chunks, cancellationToken).ConfigureAwait(false);
                }
            }

            insert.Stop();
            vectors = null;
            GC.Collect();
            var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);

            progress?.Report("opening");
            var open = Stopwatch.StartNew();
            using var opened = new EmbeddedVectorStore(root, options);
            open.Stop();
            var memory = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;

            progress?.Report("searching");
            var filter = new SearchFilter(Set);
            var annUsed = opened.UsesApproximateIndex(Set);
            var (annTimes, annHits) = await TimeAsync(opened, queryVectors, filter, cancellationToken).ConfigureAwait(false);

            using var exactStore = new EmbeddedVectorStore(root, options with { AnnThreshold = int.MaxValue });
            var (exactTimes, exactHits) = await TimeAsync(exactStore, queryVectors, filter, cancellationToken).ConfigureAwait(false);

            var recall = 0.0;
            for (var q = 0; q < queries; q++)
            {
                recall += annHits[q].Intersect(exactHits[q]).Count() / (double)Math.Max(1, exactHits[q].Count);
            }

            return new VectorStoreBenchmarkResult(
                count,
                Dimensions,
                queries,
                count / insert.Elapsed.TotalSeconds,
                open.Elapsed.TotalMilliseconds,
                Percentile(exactTimes, 0.50),
                Percentile(exactTimes, 0.99),
                Percentile(annTimes, 0.50),
                Percentile(annTimes, 0.99),
                recall / queries,
                annUsed,
                memory,
                Directory.GetFiles(root).Sum(f => new FileInfo(f).Length));
        }
        finally
        {
            if (directory is null)
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(root, recursive: true);
            }
        }
    }

    private static async Task<(double[] Times, List<HashSet<Guid>> Hits)> TimeAsync(
        EmbeddedVectorStore store, float[][] queries, SearchFilter filter, CancellationToken cancellationToken)
    {
        await store.SearchAsync(queries[0], 10, filter, cancellationToken).ConfigureAwait(false);
        var times = new double[queries.Length];
        var hits = new List<HashSet<Guid>>(queries.Length);
        foreach (var (query, i) in queries.Select((q, i) => (q, i)))
        {
            var watch = Stopwatch.StartNew();
            var found = await store.SearchAsync(query, 10, filter, cancellationToken).ConfigureAwait(false);
            times[i] = watch.Elapsed.TotalMilliseconds;
            hits.Add(found.Select(f => f.Chunk.Id).ToHashSet());
        }

        return (times, hits);
    }

    private static double Percentile(double[] values, double fraction)
    {
        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];
    }
}
