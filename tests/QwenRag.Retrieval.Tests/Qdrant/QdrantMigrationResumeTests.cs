using Grpc.Core;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>
/// The migration's checkpointing against the scripted invoker, whose points live in a dictionary keyed by point id
/// (upsert overwrites, delete and count filter by set and document): the real Qdrant run is in
/// <c>Contract/QdrantMigrationTests</c>, skipped without <c>QDRANT_URL</c>.
/// </summary>
public sealed class QdrantMigrationResumeTests : IDisposable
{
    private const string Set = "migrated";
    private readonly string _directory = Directory.CreateTempSubdirectory("qwenrag-migrate-fake-").FullName;
    private readonly Dictionary<string, PointStruct> _points = [];

    [Fact]
    public async Task Migrate_FailsAfterTwoBatches_RunAgainResumesAfterTheCheckpointAndVerifies()
    {
        using var source = new EmbeddedVectorStore(Path.Combine(_directory, "vectors"));
        await source.UpsertAsync(Enumerable.Range(0, 530).Select(Chunk).ToList());
        var failAfter = 2;
        var invoker = Server(upsert => failAfter-- > 0 ? Upsert(upsert) : throw FakeQdrant.Error(StatusCode.PermissionDenied, "key revoked"));
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);
        using var sparse = new Bm25SparseEncoder(8);
        var migration = new QdrantMigration(
            source, new QdrantVectorStore(connection, FakeQdrant.Options(), sparse, FakeQdrant.Model), Path.Combine(_directory, "migrations"));

        await Assert.ThrowsAsync<VectorStoreException>(() => migration.MigrateAsync(Set, 100));
        Assert.Equal(200, _points.Count);

        var resumedInvoker = Server(Upsert);
        using var resumedConnection = new QdrantConnection(FakeQdrant.Options(), resumedInvoker);
        var resumed = await new QdrantMigration(
                source, new QdrantVectorStore(resumedConnection, FakeQdrant.Options(), sparse, FakeQdrant.Model), Path.Combine(_directory, "migrations"))
            .MigrateAsync(Set, 100);

        Assert.True(resumed.Verified, string.Join("; ", resumed.Mismatches));
        Assert.True(resumed.Resumed);
        Assert.Equal((11, 530L, 530L), (resumed.Documents, resumed.Embedded, resumed.InQdrant));
        Assert.Equal(4, resumedInvoker.Requests<UpsertPoints>().Count); // rows 201-530 only
        Assert.Empty(resumedInvoker.Requests<DeletePoints>());

        // Verified: the checkpoint is gone, so the next run starts over (clearing the set first) and ends the same.
        var again = await new QdrantMigration(
                source, new QdrantVectorStore(resumedConnection, FakeQdrant.Options(), sparse, FakeQdrant.Model), Path.Combine(_directory, "migrations"))
            .MigrateAsync(Set, 100);
        Assert.False(again.Resumed);
        Assert.True(again.Verified);
        Assert.Single(resumedInvoker.Requests<DeletePoints>());
    }

    [Fact]
    public async Task Migrate_QdrantLosesAPoint_ReportsTheDocumentAndKeepsTheCheckpoint()
    {
        using var source = new EmbeddedVectorStore(Path.Combine(_directory, "vectors"));
        await source.UpsertAsync(Enumerable.Range(0, 60).Select(Chunk).ToList());
        var invoker = Server(upsert =>
        {
            var response = Upsert(upsert);
            _points.Remove(new Guid(7, 0, 0, new byte[8]).ToString());
            return response;
        });
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);
        using var sparse = new Bm25SparseEncoder(8);
        var report = await new QdrantMigration(
                source, new QdrantVectorStore(connection, FakeQdrant.Options(), sparse, FakeQdrant.Model), Path.Combine(_directory, "migrations"))
            .MigrateAsync(Set, 100);

        Assert.False(report.Verified);
        Assert.Contains(report.Mismatches, m => m.Contains("doc-0: 50 chunks embedded, 49 in Qdrant", StringComparison.Ordinal));
        Assert.Single(Directory.GetFiles(Path.Combine(_directory, "migrations")));
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ChunkVector Chunk(int i)
    {
        var vector = new float[FakeQdrant.Model.Dimensions];
        vector[i % vector.Length] = 1;
        var record = new ChunkRecord(new Guid(i, 0, 0, new byte[8]), Set, $"doc-{i / 50}", $"doc-{i / 50}.pdf", i % 50, 1, 1, $"chunk {i}", []);
        return new ChunkVector(record, vector);
    }

    private static bool Matches(PointStruct point, Filter filter) => filter.Must.All(condition =>
        point.Payload.TryGetValue(condition.Field.Key, out var value) && value.StringValue == condition.Field.Match.Keyword);

    private FakeCallInvoker Server(Func<UpsertPoints, object> upsert) => FakeQdrant.EmptyServer()
        .On(upsert)
        .On<DeletePoints>(delete =>
        {
            foreach (var id in _points.Where(p => Matches(p.Value, delete.Points.Filter)).Select(p => p.Key).ToList())
            {
                _points.Remove(id);
            }

            return FakeQdrant.Completed();
        })
        .On<CountPoints>(count => new CountResponse { Result = new CountResult { Count = (ulong)_points.Values.Count(p => Matches(p, count.Filter)) } });

    private PointsOperationResponse Upsert(UpsertPoints upsert)
    {
        foreach (var point in upsert.Points)
        {
            _points[point.Id.Uuid] = point;
        }

        return FakeQdrant.Completed();
    }
}
