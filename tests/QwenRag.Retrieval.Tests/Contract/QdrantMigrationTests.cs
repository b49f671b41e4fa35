using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval.Tests.Contract;

/// <summary>
/// <c>qwenrag migrate</c>'s copy against a real Qdrant at <c>QDRANT_URL</c> (skipped otherwise): killed after two
/// batches and run again, it resumes from its checkpoint and ends with exactly the embedded chunks, verified per
/// document; run once more, it starts over and still ends with the same count.
/// </summary>
public sealed class QdrantMigrationTests : IDisposable
{
    private const string Set = "migrated";
    private static readonly EmbeddingModel Model = new("migration-test", 8);
    private readonly string _directory = Directory.CreateTempSubdirectory("qwenrag-migrate-").FullName;

    [QdrantFact]
    public async Task Migrate_InterruptedThenRunAgain_EndsWithExactlyTheEmbeddedChunksVerifiedPerDocument()
    {
        var options = new QdrantOptions
        {
            Url = QdrantFactAttribute.Url,
            Alias = "qwenrag-migrate-" + Guid.NewGuid().ToString("N"),
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        };
        using var connection = new QdrantConnection(options);
        using var sparse = new Bm25SparseEncoder(averageChunkLength: 8);
        var target = new QdrantVectorStore(connection, options, sparse, Model);
        using var source = new EmbeddedVectorStore(Path.Combine(_directory, "vectors"));
        var chunks = Enumerable.Range(0, 530).Select(Chunk).ToList();
        await source.UpsertAsync(chunks);
        var migration = new QdrantMigration(source, target, Path.Combine(_directory, "migrations"));
        try
        {
            using (var kill = new CancellationTokenSource())
            {
                var progress = new InlineProgress(p =>
                {
                    if (p.Copied >= 200)
                    {
                        kill.Cancel();
                    }
                });
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => migration.MigrateAsync(Set, 100, progress, kill.Token));
            }

            var resumed = await migration.MigrateAsync(Set, 100);
            Assert.True(resumed.Verified, string.Join("; ", resumed.Mismatches));
            Assert.True(resumed.Resumed);
            Assert.Equal((11, 530L, 530L), (resumed.Documents, resumed.Embedded, resumed.InQdrant));

            var again = await migration.MigrateAsync(Set, 100);
            Assert.False(again.Resumed);
            Assert.Equal(530, again.InQdrant);
        }
        finally
        {
            var collections = new QdrantCollections(connection, options);
            if (await collections.FindAliasTargetAsync(CancellationToken.None) is { } collection)
            {
                await collections.DropAsync(collection, CancellationToken.None);
            }
        }
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static ChunkVector Chunk(int i)
    {
        var vector = new float[Model.Dimensions];
        vector[i % Model.Dimensions] = 1;
        vector[(i / Model.Dimensions) % Model.Dimensions] += 0.5f;
        var record = new ChunkRecord(new Guid(i, 0, 0, new byte[8]), Set, $"doc-{i / 50}", $"doc-{i / 50}.pdf", i % 50, 1 + (i % 7), 1 + (i % 7), $"chunk {i} text", ["t"]);
        return new ChunkVector(record, vector);
    }

    /// <summary>Reports on the caller's thread, so the test can stop the copy at a known batch.</summary>
    private sealed class InlineProgress(Action<MigrationProgress> report) : IProgress<MigrationProgress>
    {
        public void Report(MigrationProgress value) => report(value);
    }
}
