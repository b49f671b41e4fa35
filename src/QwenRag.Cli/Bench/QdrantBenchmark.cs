using System.Diagnostics;
using Grpc.Core;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Fusion;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Cli.Bench;

/// <summary>
/// The Qdrant store against a real server (<c>qwenrag bench vectors --qdrant URL</c>): in a scratch alias and
/// collection, dropped at the end, upserts through <see cref="QdrantVectorStore.UpsertAsync"/> and through raw
/// Qdrant.Client gRPC calls with the same <c>UpsertPoints</c> messages (256 points, <c>wait</c>), then hybrid
/// searches through <see cref="QdrantVectorStore.SearchHybridAsync"/> and the same <c>QueryPoints</c> raw, the two
/// alternating batch by batch and query by query so that neither gets a warmer server.
/// </summary>
internal static class QdrantBenchmark
{
    private const string AdapterSet = "bench-adapter";
    private const string RawSet = "bench-raw";
    private const int WarmUpSearches = 10;

    /// <param name="url">The server's gRPC address.</param>
    /// <param name="apiKey">Its API key, if it needs one.</param>
    /// <param name="texts">Chunk texts, cycled through (the sparse vectors are built from them).</param>
    /// <param name="count">Points written by each of the two paths.</param>
    /// <param name="searches">Hybrid searches timed on each path.</param>
    /// <exception cref="CommandFailedException">The server cannot be reached, refuses a call, or loses points.</exception>
    public static async Task<QdrantBenchmarkResult> RunAsync(
        string url,
        string? apiKey,
        IReadOnlyList<string> texts,
        int count,
        int searches = 500,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfZero(texts.Count);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(searches, 1);
        var alias = "qwenrag-bench-" + Guid.NewGuid().ToString("N")[..12];
        var options = new QdrantOptions { Url = url, ApiKey = apiKey, Alias = alias };
        if (new QdrantOptions.Validator().Validate(null, options) is { Failed: true } invalid)
        {
            throw new CommandFailedException(invalid.FailureMessage);
        }

        var model = new EmbeddingModel("bench-clustered", VectorStoreBenchmark.Dimensions);
        var collection = QdrantRequests.CollectionName(alias, model.Name, model.Dimensions);
        using var connection = new QdrantConnection(options);
        using var encoder = new Bm25SparseEncoder(options.Bm25AverageChunkLength);
        var store = new QdrantVectorStore(connection, options, encoder, model);
        using var raw = new QdrantGrpcClient(new Uri(url), string.IsNullOrEmpty(apiKey) ? null : apiKey);
        var created = false;
        try
        {
            string version;
            try
            {
                version = (await raw.Qdrant.HealthCheckAsync(
                    new HealthCheckRequest(), deadline: DateTime.UtcNow.Add(options.Timeout), cancellationToken: cancellationToken)).Version;
            }
            catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
            {
                throw new CommandFailedException($"Qdrant at {url} does not answer: {ex.StatusCode}: {ex.Status.Detail}", ex);
            }

            progress?.Report($"creating scratch collection '{collection}' behind alias '{alias}'");
            created = true;
            collection = await store.InitializeAsync(cancellationToken);
            await store.CheckHealthAsync(cancellationToken);

            var clusters = Math.Clamp(count / 100, 100, 1000);
            var vectors = ClusteredVectors.Generate(count + searches, model.Dimensions, clusters, seed: 42);
            var adapterChunks = Chunks(AdapterSet, 1, texts, vectors, count);
            var rawChunks = Chunks(RawSet, 2, texts, vectors, count);
            var building = Stopwatch.GetTimestamp();
            var rawUpserts = QdrantRequests.Upserts(
                    store.Target,
                    rawChunks.Select(c => QdrantRequests.Point(c, encoder.EncodeDocument(c.Chunk.Text))).ToList(),
                    options.UpsertBatchSize)
                .ToList();
            var rawBuild = Stopwatch.GetElapsedTime(building);
            var adapterBatches = adapterChunks.Chunk(options.UpsertBatchSize).ToList();

            progress?.Report($"upserting {count} points through the adapter and raw, alternating");
            var adapterUpsert = TimeSpan.Zero;
            var rawUpsert = TimeSpan.Zero;
            for (var b = 0; b < adapterBatches.Count; b++)
            {
                for (var pass = 0; pass < 2; pass++)
                {
                    var started = Stopwatch.GetTimestamp();
                    if ((b + pass) % 2 == 0)
                    {
                        await store.UpsertAsync(adapterBatches[b], cancellationToken);
                        adapterUpsert += Stopwatch.GetElapsedTime(started);
                    }
                    else
                    {
                        await raw.Points.UpsertAsync(rawUpserts[b], cancellationToken: cancellationToken);
                        rawUpsert += Stopwatch.GetElapsedTime(started);
                    }
                }
            }

            var adapterCount = await store.CountAsync(AdapterSet, cancellationToken: cancellationToken);
            var rawCount = (await raw.Points.CountAsync(QdrantRequests.Count(store.Target, RawSet), cancellationToken: cancellationToken)).Result.Count;
            if (adapterCount != count || rawCount != (ulong)count)
            {
                throw new CommandFailedException($"Qdrant at {url} holds {adapterCount} adapter and {rawCount} raw points after upserting {count} each.");
            }

            progress?.Report($"{searches} hybrid searches through the adapter and raw, alternating");
            var candidates = new HybridRetrieverOptions().CandidatesPerList;
            var filter = new SearchFilter(AdapterSet);
            var queries = Enumerable.Range(0, searches)
                .Select(i => new HybridQuery(BenchQueries.Default[i % BenchQueries.Default.Count], vectors[count + i], RequestBuildingBenchmark.Top, candidates))
                .ToArray();
            var rawQueries = queries.Select(q => QdrantRequests.HybridQuery(store.Target, q, encoder.EncodeQuery(q.Text), filter, options.RrfK)).ToArray();
            for (var i = 0; i < Math.Min(WarmUpSearches, searches); i++)
            {
                await store.SearchHybridAsync(queries[i], filter, cancellationToken);
                await raw.Points.QueryAsync(rawQueries[i], cancellationToken: cancellationToken);
            }

            var adapterTimes = new double[searches];
            var rawTimes = new double[searches];
            for (var i = 0; i < searches; i++)
            {
                for (var pass = 0; pass < 2; pass++)
                {
                    var started = Stopwatch.GetTimestamp();
                    if ((i + pass) % 2 == 0)
                    {
                        await store.SearchHybridAsync(queries[i], filter, cancellationToken);
                        adapterTimes[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                    else
                    {
                        await raw.Points.QueryAsync(rawQueries[i], cancellationToken: cancellationToken);
                        rawTimes[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                    }
                }
            }

            var adapterRate = count / adapterUpsert.TotalSeconds;
            var rawRate = count / rawUpsert.TotalSeconds;
            var adapterP50 = Latencies.Percentile(adapterTimes, 0.50);
            var adapterP99 = Latencies.Percentile(adapterTimes, 0.99);
            var rawP50 = Latencies.Percentile(rawTimes, 0.50);
            var rawP99 = Latencies.Percentile(rawTimes, 0.99);
            var cleaned = await DropAsync(raw, alias, collection);
            created = false;
            return new QdrantBenchmarkResult(
                url, version, collection, count, options.UpsertBatchSize,
                adapterRate, rawRate, count / (rawUpsert + rawBuild).TotalSeconds, rawRate / adapterRate,
                searches, adapterP50, adapterP99, rawP50, rawP99, adapterP50 / rawP50, adapterP99 / rawP99,
                cleaned);
        }
        catch (Exception ex) when (ex is VectorStoreException or VectorStoreUnavailableException or RpcException { StatusCode: not StatusCode.Cancelled })
        {
            throw new CommandFailedException(ex is RpcException rpc ? $"Qdrant at {url} failed: {rpc.StatusCode}: {rpc.Status.Detail}" : ex.Message, ex);
        }
        finally
        {
            if (created)
            {
                await DropAsync(raw, alias, collection);
            }
        }
    }

    private static ChunkVector[] Chunks(string set, short path, IReadOnlyList<string> texts, float[][] vectors, int count) =>
        Enumerable.Range(0, count)
            .Select(i => new ChunkVector(
                new ChunkRecord(new Guid(i, path, 0, new byte[8]), set, $"d{i / 50}", $"doc{i / 50}.pdf", i % 50, 1 + (i % 50), 1 + (i % 50), texts[i % texts.Count], ["bench"]),
                vectors[i]))
            .ToArray();

    /// <summary>Drops the scratch alias and collection; true when neither is left.</summary>
    private static async Task<bool> DropAsync(QdrantGrpcClient raw, string alias, string collection)
    {
        try
        {
            var aliases = await raw.Collections.ListAliasesAsync(new ListAliasesRequest());
            if (aliases.Aliases.Any(a => a.AliasName == alias))
            {
                await raw.Collections.UpdateAliasesAsync(new ChangeAliases
                {
                    Actions = { new AliasOperations { DeleteAlias = new DeleteAlias { AliasName = alias } } },
                });
            }

            if ((await raw.Collections.CollectionExistsAsync(new CollectionExistsRequest { CollectionName = collection })).Result.Exists)
            {
                await raw.Collections.DeleteAsync(new DeleteCollection { CollectionName = collection });
            }

            return !(await raw.Collections.CollectionExistsAsync(new CollectionExistsRequest { CollectionName = collection })).Result.Exists;
        }
        catch (RpcException)
        {
            return false;
        }
    }
}
