using Grpc.Core;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary><see cref="QdrantVectorStore"/> over a scripted server: what it sends, and how answers map back.</summary>
public sealed class QdrantVectorStoreTests : IDisposable
{
    private static readonly string Collection = QdrantRequests.CollectionName("qwenrag", FakeQdrant.Model.Name, FakeQdrant.Model.Dimensions);

    private readonly Bm25SparseEncoder _sparse = new();
    private readonly List<QdrantConnection> _connections = [];

    public void Dispose()
    {
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }

        _sparse.Dispose();
    }

    [Fact]
    public async Task InitializeAsync_NoAlias_CreatesCollectionIndexesAndAlias()
    {
        var invoker = FakeQdrant.EmptyServer();
        var store = Open(invoker);

        var collection = await store.InitializeAsync();
        await store.InitializeAsync();

        Assert.Equal(Collection, collection);
        Assert.Equal(
            [
                nameof(ListAliasesRequest), nameof(CollectionExistsRequest), nameof(CreateCollection),
                nameof(CreateFieldIndexCollection), nameof(CreateFieldIndexCollection), nameof(CreateFieldIndexCollection),
                nameof(CreateFieldIndexCollection), nameof(CreateFieldIndexCollection), nameof(ChangeAliases),
            ],
            invoker.Calls.Select(call => call.Request.GetType().Name));
        Assert.Equal(Collection, Assert.Single(invoker.Requests<CollectionExistsRequest>()).CollectionName);
        Assert.Equal(QdrantRequests.CreateCollection(Collection, 8, FakeQdrant.Options()), Assert.Single(invoker.Requests<CreateCollection>()));
        Assert.Equal(QdrantRequests.PayloadIndexes(Collection), invoker.Requests<CreateFieldIndexCollection>());
        var alias = Assert.Single(Assert.Single(invoker.Requests<ChangeAliases>()).Actions);
        Assert.Equal("qwenrag", alias.CreateAlias.AliasName);
        Assert.Equal(Collection, alias.CreateAlias.CollectionName);
    }

    [Fact]
    public async Task InitializeAsync_ShardsAndReplicationConfigured_CreateRequestCarriesThem()
    {
        var invoker = FakeQdrant.EmptyServer();
        var options = FakeQdrant.Options();
        options.Shards = 6;
        options.ReplicationFactor = 2;
        options.WriteConsistencyFactor = 1;
        var store = Open(invoker, options);

        await store.InitializeAsync();

        var create = Assert.Single(invoker.Requests<CreateCollection>());
        Assert.Equal(6u, create.ShardNumber);
        Assert.Equal(2u, create.ReplicationFactor);
        Assert.Equal(1u, create.WriteConsistencyFactor);
    }

    [Fact]
    public async Task InitializeAsync_AliasOnFittingCollection_CreatesNothing()
    {
        var invoker = FakeQdrant.ServerWith(Collection, QdrantRequests.CreateCollection(Collection, 8, FakeQdrant.Options()));
        var store = Open(invoker);

        Assert.Equal(Collection, await store.InitializeAsync());

        Assert.Equal(
            [nameof(ListAliasesRequest), nameof(GetCollectionInfoRequest)],
            invoker.Calls.Select(call => call.Request.GetType().Name));
    }

    [Fact]
    public async Task InitializeAsync_AliasOnCollectionOfAnotherSize_RefusesNamingBothSides()
    {
        var invoker = FakeQdrant.ServerWith(Collection, QdrantRequests.CreateCollection(Collection, 16, FakeQdrant.Options()));
        var store = Open(invoker);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.UpsertAsync([Chunk("a", [1, 0, 0, 0, 0, 0, 0, 0])]));

        Assert.Contains(FakeQdrant.Url, error.Message, StringComparison.Ordinal);
        Assert.Contains($"collection '{Collection}' has a 'dense' vector of 16 dimensions", error.Message, StringComparison.Ordinal);
        Assert.Contains("test-model needs a 'dense' vector of 8 dimensions", error.Message, StringComparison.Ordinal);
        Assert.Empty(invoker.Requests<CreateCollection>());
        Assert.Empty(invoker.Requests<UpsertPoints>());
    }

    [Fact]
    public async Task InitializeAsync_FailedOnce_IsTriedAgain()
    {
        var invoker = FakeQdrant.EmptyServer()
            .OnSequence<ListAliasesRequest>(FakeQdrant.Error(StatusCode.Unavailable), new ListAliasesResponse());
        var store = Open(invoker, FakeQdrant.Options(maxRetries: 0));

        await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => store.InitializeAsync());

        Assert.Equal(Collection, await store.InitializeAsync());
    }

    [Fact]
    public async Task UpsertAsync_600Chunks_ThreeWaitedBatchesToTheAlias()
    {
        var invoker = FakeQdrant.EmptyServer();
        var store = Open(invoker);
        var chunks = Enumerable.Range(0, 600).Select(i => Chunk($"c{i}", Unit(i % 8), text: $"chunk number {i} about governors")).ToList();

        await store.UpsertAsync(chunks);

        var upserts = invoker.Requests<UpsertPoints>();
        Assert.Equal([256, 256, 88], upserts.Select(u => u.Points.Count));
        Assert.All(upserts, u => Assert.Equal("qwenrag", u.CollectionName));
        Assert.All(upserts, u => Assert.True(u.Wait));
        Assert.Equal(chunks.Select(c => c.Chunk.Id.ToString()), upserts.SelectMany(u => u.Points).Select(p => p.Id.Uuid));
        var first = upserts[0].Points[0];
        var expectedSparse = _sparse.EncodeDocument("chunk number 0 about governors");
        Assert.Equal(expectedSparse.Indices, first.Vectors.Vectors_.Vectors["bm25"].Sparse.Indices);
        Assert.Equal(expectedSparse.Values, first.Vectors.Vectors_.Vectors["bm25"].Sparse.Values);
    }

    [Fact]
    public async Task UpsertAsync_WrongDimensions_ThrowsAndSendsNothing()
    {
        var invoker = FakeQdrant.EmptyServer();
        var store = Open(invoker);

        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync([Chunk("a", Unit(0)), Chunk("b", [1, 0, 0])]));

        Assert.Empty(invoker.Requests<UpsertPoints>());
    }

    [Fact]
    public async Task UpsertAsync_Outage_EndsAsUnavailable()
    {
        var invoker = FakeQdrant.EmptyServer().On<UpsertPoints>(_ => throw FakeQdrant.Error(StatusCode.Unavailable, "connection refused"));
        var store = Open(invoker, FakeQdrant.Options(maxRetries: 2));

        var error = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => store.UpsertAsync([Chunk("a", Unit(0))]));

        Assert.Contains(FakeQdrant.Url, error.Message, StringComparison.Ordinal);
        Assert.Equal(3, invoker.Requests<UpsertPoints>().Count);
    }

    [Fact]
    public async Task EnsureSetAsync_OtherDimensions_RefusesNamingBoth()
    {
        var store = Open(FakeQdrant.EmptyServer());

        await store.EnsureSetAsync("docs", 8);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => store.EnsureSetAsync("docs", 384));

        Assert.Contains("8-dimensional", error.Message, StringComparison.Ordinal);
        Assert.Contains("384-dimensional", error.Message, StringComparison.Ordinal);
        Assert.Contains(Collection, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SearchAsync_ScoredPoints_MapBackToChunksWithScores()
    {
        var a = Chunk("a", Unit(0), tags: ["linux"]);
        var b = Chunk("b", Unit(1));
        var invoker = FakeQdrant.EmptyServer().On<QueryPoints>(_ => new QueryResponse { Result = { Scored(a, 0.9f), Scored(b, 0.4f) } });
        var store = Open(invoker);
        var filter = new SearchFilter("docs") { Tags = ["linux"] };

        var hits = await store.SearchAsync(Unit(0), 2, filter);

        Assert.Equal(["a", "b"], hits.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(0.9, hits[0].Score, 1e-6);
        Assert.Equal(0.4, hits[1].Score, 1e-6);
        Assert.Equal(a.Chunk with { Tags = hits[0].Chunk.Tags }, hits[0].Chunk);
        Assert.Equal(["linux"], hits[0].Chunk.Tags);
        var query = Assert.Single(invoker.Requests<QueryPoints>());
        Assert.Equal(QdrantRequests.DenseQuery("qwenrag", Unit(0), 2, filter), query);
    }

    [Fact]
    public async Task SearchHybridAsync_OneQueryWithTwoPrefetches()
    {
        var a = Chunk("a", Unit(0));
        var invoker = FakeQdrant.EmptyServer().On<QueryPoints>(_ => new QueryResponse { Result = { Scored(a, 0.5f) } });
        var store = Open(invoker);
        var hybrid = new HybridQuery("frequency governor", Unit(0), 5, 50);

        var hits = await store.SearchHybridAsync(hybrid, new SearchFilter("docs"));

        Assert.Equal("a", Assert.Single(hits).Chunk.Id.Name());
        var query = Assert.Single(invoker.Requests<QueryPoints>());
        Assert.Equal("qwenrag", query.CollectionName);
        Assert.Equal(["dense", "bm25"], query.Prefetch.Select(p => p.Using));
        Assert.Equal(_sparse.EncodeQuery("frequency governor").Indices, query.Prefetch[1].Query.Nearest.Sparse.Indices);
        Assert.Equal(global::Qdrant.Client.Grpc.Fusion.Rrf, query.Query.Fusion);
        Assert.Equal(5ul, query.Limit);
    }

    [Fact]
    public async Task Deletes_FilterTheAlias()
    {
        var invoker = FakeQdrant.EmptyServer();
        var store = Open(invoker);

        await store.DeleteDocumentAsync("docs", "d1");
        await store.DeleteSetAsync("docs");

        Assert.Equal(
            [QdrantRequests.DeleteDocument("qwenrag", "docs", "d1"), QdrantRequests.DeleteSet("qwenrag", "docs")],
            invoker.Requests<DeletePoints>());
    }

    [Fact]
    public async Task CountAsync_ReturnsTheServersExactCount()
    {
        var invoker = FakeQdrant.EmptyServer().On<CountPoints>(_ => new CountResponse { Result = new CountResult { Count = 42 } });
        var store = Open(invoker);

        Assert.Equal(42, await store.CountAsync("docs", "d1"));
        Assert.Equal(QdrantRequests.Count("qwenrag", "docs", "d1"), Assert.Single(invoker.Requests<CountPoints>()));
    }

    [Fact]
    public async Task CheckHealthAsync_Down_OneAttemptNamingTheUrl()
    {
        var invoker = FakeQdrant.EmptyServer().On<HealthCheckRequest>(_ => throw FakeQdrant.Error(StatusCode.Unavailable));
        var store = Open(invoker);

        var error = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => store.CheckHealthAsync());

        Assert.Contains(FakeQdrant.Url, error.Message, StringComparison.Ordinal);
        Assert.Single(invoker.Requests<HealthCheckRequest>());
    }

    [Fact]
    public async Task CheckHealthAsync_Up_NamesVersionCollectionAndAlias()
    {
        var store = Open(FakeQdrant.EmptyServer());

        var health = await store.CheckHealthAsync();

        Assert.Contains("1.16.0", health, StringComparison.Ordinal);
        Assert.Contains(Collection, health, StringComparison.Ordinal);
        Assert.Contains("'qwenrag'", health, StringComparison.Ordinal);
    }

    private QdrantVectorStore Open(FakeCallInvoker invoker, QdrantOptions? options = null)
    {
        options ??= FakeQdrant.Options();
        var connection = new QdrantConnection(options, invoker);
        _connections.Add(connection);
        return new QdrantVectorStore(connection, options, _sparse, FakeQdrant.Model);
    }

    private static float[] Unit(int axis)
    {
        var vector = new float[8];
        vector[axis] = 1;
        return vector;
    }

    private static ChunkVector Chunk(string name, float[] vector, string? text = null, params string[] tags) =>
        new(new ChunkRecord(TestChunkIds.Of(name), "docs", "d1", "d1.pdf", 0, 1, 1, text ?? $"text of {name}", tags), vector);

    private ScoredPoint Scored(ChunkVector chunk, float score)
    {
        var point = QdrantRequests.Point(chunk, _sparse.EncodeDocument(chunk.Chunk.Text));
        return new ScoredPoint { Id = point.Id, Payload = { point.Payload }, Score = score };
    }
}
