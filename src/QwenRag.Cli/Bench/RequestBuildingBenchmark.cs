using System.Diagnostics;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Fusion;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Cli.Bench;

/// <summary>
/// The Qdrant store's client-side work, which needs no server (what <c>qwenrag bench vectors</c> always runs):
/// sparse BM25 vectors per chunk (<see cref="Bm25SparseEncoder.EncodeDocument"/>), per query
/// (<see cref="Bm25SparseEncoder.EncodeQuery"/>), the hybrid <c>QueryPoints</c> per search
/// (<see cref="QdrantRequests.HybridQuery"/>) and one upsert batch (<see cref="QdrantRequests.Point"/> for each
/// chunk, then <see cref="QdrantRequests.Upserts"/>), with the serialized sizes of the messages.
/// </summary>
internal static class RequestBuildingBenchmark
{
    public const int BatchSize = 256;
    public const int Top = 10;
    private const string Collection = "qwenrag-bench";
    private const string Set = "bench";
    private const int WarmUp = 50;

    /// <param name="texts">Chunk texts, cycled through.</param>
    /// <param name="textSource">Where they came from, for the report.</param>
    /// <param name="chunks">Chunks to encode; also sets the number of upsert batches (at least 4).</param>
    /// <param name="searches">Queries to encode and hybrid requests to build.</param>
    public static RequestBuildingResult Run(
        IReadOnlyList<string> texts, string textSource, int chunks, int searches = 500, IProgress<string>? progress = null)
    {
        ArgumentOutOfRangeException.ThrowIfZero(texts.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunks, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(searches, 1);
        using var encoder = new Bm25SparseEncoder();
        var dimensions = VectorStoreBenchmark.Dimensions;

        progress?.Report($"encoding {chunks} chunks");
        for (var i = 0; i < Math.Min(WarmUp, chunks); i++)
        {
            encoder.EncodeDocument(texts[i % texts.Count]);
        }

        var encodeTimes = new double[chunks];
        long terms = 0;
        for (var i = 0; i < chunks; i++)
        {
            var started = Stopwatch.GetTimestamp();
            var sparse = encoder.EncodeDocument(texts[i % texts.Count]);
            encodeTimes[i] = Latencies.MicrosecondsSince(started);
            terms += sparse.Indices.Length;
        }

        progress?.Report($"building {searches} hybrid requests");
        var vectors = ClusteredVectors.Generate(BatchSize + searches, dimensions, clusters: 100, seed: 42);
        var candidates = new HybridRetrieverOptions().CandidatesPerList;
        var filter = new SearchFilter(Set);
        for (var i = 0; i < Math.Min(WarmUp, searches); i++)
        {
            var query = BenchQueries.Default[i % BenchQueries.Default.Count];
            QdrantRequests.HybridQuery(Collection, new HybridQuery(query, vectors[BatchSize + i], Top, candidates), encoder.EncodeQuery(query), filter, null);
        }

        var queryTimes = new double[searches];
        var requestTimes = new double[searches];
        long requestBytes = 0;
        for (var i = 0; i < searches; i++)
        {
            var text = BenchQueries.Default[i % BenchQueries.Default.Count];
            var query = new HybridQuery(text, vectors[BatchSize + i], Top, candidates);

            var started = Stopwatch.GetTimestamp();
            encoder.EncodeQuery(text);
            queryTimes[i] = Latencies.MicrosecondsSince(started);

            started = Stopwatch.GetTimestamp();
            var request = QdrantRequests.HybridQuery(Collection, query, encoder.EncodeQuery(text), filter, null);
            requestTimes[i] = Latencies.MicrosecondsSince(started);
            requestBytes += request.CalculateSize();
        }

        var batches = Math.Max(4, chunks / BatchSize);
        progress?.Report($"building {batches} upsert batches of {BatchSize}");
        var batchChunks = Enumerable.Range(0, BatchSize)
            .Select(i => new ChunkVector(
                new ChunkRecord(new Guid(i, 0, 0, new byte[8]), Set, $"d{i / 50}", $"doc{i / 50}.pdf", i % 50, 1 + (i % 50), 1 + (i % 50), texts[i % texts.Count], ["bench"]),
                vectors[i]))
            .ToArray();
        var preEncoded = batchChunks.Select(c => encoder.EncodeDocument(c.Chunk.Text)).ToArray();
        BuildBatch(batchChunks, preEncoded, encoder);
        BuildBatch(batchChunks, null, encoder);

        var plainTimes = new double[batches];
        var sparseTimes = new double[batches];
        long batchBytes = 0;
        for (var b = 0; b < batches; b++)
        {
            // Alternate which goes first, so neither always runs on a heap the other has just filled.
            var plainFirst = b % 2 == 0;
            for (var pass = 0; pass < 2; pass++)
            {
                var withSparse = plainFirst == (pass == 1);
                var started = Stopwatch.GetTimestamp();
                var upserts = BuildBatch(batchChunks, withSparse ? null : preEncoded, encoder);
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                (withSparse ? sparseTimes : plainTimes)[b] = elapsed;
                if (!withSparse)
                {
                    batchBytes += upserts.Sum(u => (long)u.CalculateSize());
                }
            }
        }

        return new RequestBuildingResult(
            textSource,
            texts.Count,
            texts.Average(t => t.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length),
            chunks,
            Latencies.Percentile(encodeTimes, 0.50),
            Latencies.Percentile(encodeTimes, 0.99),
            chunks / (encodeTimes.Sum() / 1e6),
            terms / (double)chunks,
            searches,
            Latencies.Percentile(queryTimes, 0.50),
            Latencies.Percentile(queryTimes, 0.99),
            Latencies.Percentile(requestTimes, 0.50),
            Latencies.Percentile(requestTimes, 0.99),
            requestBytes / searches,
            batches,
            BatchSize,
            dimensions,
            Latencies.Percentile(plainTimes, 0.50),
            Latencies.Percentile(plainTimes, 0.99),
            Latencies.Percentile(sparseTimes, 0.50),
            Latencies.Percentile(sparseTimes, 0.99),
            batchBytes / batches);
    }

    /// <summary>One batch's messages; sparse vectors are encoded here unless <paramref name="sparse"/> gives them.</summary>
    private static List<UpsertPoints> BuildBatch(ChunkVector[] chunks, SparseTerms[]? sparse, Bm25SparseEncoder encoder)
    {
        var points = new PointStruct[chunks.Length];
        for (var i = 0; i < chunks.Length; i++)
        {
            points[i] = QdrantRequests.Point(chunks[i], sparse?[i] ?? encoder.EncodeDocument(chunks[i].Chunk.Text));
        }

        return QdrantRequests.Upserts(Collection, points, BatchSize).ToList();
    }
}
