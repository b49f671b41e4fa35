using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;
using static QwenRag.Hosting.Tests.WorkerTests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>
/// How the host picks its blob store (<c>QwenRag:Blobs:Store</c>), and the worker and ingestor over each: uploads
/// staged and originals kept in the store, nothing beside it; and data directories of older versions still read.
/// </summary>
[Collection(BlobStoreCollection.Name)]
public sealed class BlobStoreWiringTests(PostgresCluster postgres) : IDisposable
{
    private const string Set = "docs";
    private const long Limit = 64L * 1024 * 1024;

    private static readonly IngestionWorkerOptions Options = new() { PollInterval = TimeSpan.FromMilliseconds(50) };

    private readonly TemporaryDirectory _directory = new();

    private DataDirectory Data => new(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void AddQwenRag_NothingConfigured_StoresInTheDataDirectory()
    {
        using var services = Services([]);

        var store = Assert.IsType<LocalBlobStore>(services.GetRequiredService<IBlobStore>());

        Assert.Equal($"local directory {Data.Root}", store.Description);
    }

    [Theory]
    [InlineData("postgres", null, "QwenRag:Blobs:Store is 'postgres' but QwenRag:Postgres:ConnectionString is not set.")]
    [InlineData("s3", "Host=127.0.0.1", "QwenRag:Blobs:Store must be 'local' or 'postgres', not 's3'.")]
    public void AddQwenRag_StoreMisconfigured_RefusedWithTheReason(string store, string? connectionString, string expected)
    {
        using var services = Services([new("QwenRag:Blobs:Store", store), new("QwenRag:Postgres:ConnectionString", connectionString)]);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<BlobStoreOptions>>().Value);

        Assert.Equal([expected], error.Failures);
    }

    [PostgresFact]
    public async Task Worker_PostgresBlobs_StagesAndKeepsEverythingInPostgresAndReindexesFromThere()
    {
        var connectionString = await postgres.CreateDatabaseAsync();
        await using var worker = await RunningWorker.StartAsync(Data, Options, configure: services => services.AddSingleton<IConfiguration>(
            Configuration([new("QwenRag:Blobs:Store", "Postgres"), new("QwenRag:Postgres:ConnectionString", connectionString)])));
        var store = Assert.IsType<PostgresBlobStore>(worker.Get<IBlobStore>());
        Assert.StartsWith("postgresql 127.0.0.1:", store.Description, StringComparison.Ordinal);
        await using var pdf = File.OpenRead(TestCorpus.Pdf("europecv-greek-utf8.pdf"));

        var job = await worker.Queue.EnqueueAsync(Set, "cv.pdf", pdf, "application/pdf", [], Limit);
        var done = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

        Assert.Equal((JobStatus.Succeeded, null), (done.Status, done.Error));
        // With PostgreSQL configured the catalog is there too, not in the data directory's SQLite file.
        var entry = worker.Get<IDocumentCatalog>().Find(Set, done.DocumentId!)!;
        Assert.Equal(OriginalKeys.For(entry.Id, ".pdf"), entry.OriginalPath);
        await using (var original = await store.OpenReadAsync(entry.OriginalPath))
        {
            var copy = new MemoryStream();
            await original.CopyToAsync(copy);
            Assert.Equal(await File.ReadAllBytesAsync(TestCorpus.Pdf("europecv-greek-utf8.pdf")), copy.ToArray());
        }

        Assert.False(await store.ExistsAsync(StagedUploads.KeyFor(job.Id)));
        Assert.Empty(Directory.GetFiles(Data.OriginalsPath, "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Data.UploadsPath));
        var reindexed = await worker.Get<DocumentIngestor>().ReindexDocumentAsync(Set, entry.Id);
        Assert.Equal((IngestionStatus.Ingested, entry.Chunks), (reindexed!.Status, reindexed.Chunks));
        Assert.True(await worker.Get<DocumentIngestor>().DeleteDocumentAsync(Set, entry.Id));
        Assert.False(await store.ExistsAsync(entry.OriginalPath));
    }

    [Fact]
    public async Task Catalog_OfAnOlderVersion_AbsolutePathsBecomeKeysAndOriginalsAreStillReindexed()
    {
        string id;
        string legacyPath;
        await using (var services = Services([]))
        {
            var outcome = await services.GetRequiredService<DocumentIngestor>().IngestFileAsync(Set, TestCorpus.MixedFile("reducing_variance.md"));
            id = outcome.DocumentId!;
            var key = services.GetRequiredService<DocumentCatalog>().Find(Set, id)!.OriginalPath;
            Assert.Equal($"originals/{id[..2]}/{id}.md", key);
            legacyPath = Path.Combine(Data.OriginalsPath, id[..2], id + ".md");
            Assert.True(File.Exists(legacyPath));
        }

        // What a catalog written before the blob store holds: the absolute path, at catalog schema version 2.
        Execute(
            "UPDATE documents SET original_path = $path; UPDATE schema_versions SET version = 2 WHERE component = 'catalog'",
            ("$path", legacyPath));

        await using (var services = Services([]))
        {
            var catalog = services.GetRequiredService<DocumentCatalog>();
            Assert.Equal($"originals/{id[..2]}/{id}.md", catalog.Find(Set, id)!.OriginalPath);
            var reindexed = await services.GetRequiredService<DocumentIngestor>().ReindexDocumentAsync(Set, id);
            Assert.Equal(IngestionStatus.Ingested, reindexed!.Status);
            Assert.True(await services.GetRequiredService<DocumentIngestor>().DeleteDocumentAsync(Set, id));
            Assert.False(File.Exists(legacyPath));
        }
    }

    [Theory]
    [InlineData("originals/ab/abcdef.pdf", "originals/ab/abcdef.pdf")]
    [InlineData("/var/lib/qwenrag/originals/ab/abcdef.pdf", "originals/ab/abcdef.pdf")]
    [InlineData("/moved/elsewhere/originals/ab/abcdef.docx", "originals/ab/abcdef.docx")]
    [InlineData("/var/lib/qwenrag/other/ab/abcdef.pdf", null)]
    [InlineData("/var/lib/qwenrag/originals/ab/../../qwenrag.db", null)]
    [InlineData("uploads/abc.upload", null)]
    [InlineData("relative/originals/ab/x.pdf", null)]
    [InlineData("", null)]
    public void OriginalKeys_FromStored_ReadsKeysAndOldAbsolutePathsOnly(string stored, string? expected) =>
        Assert.Equal(expected, OriginalKeys.FromStored(stored));

    private ServiceProvider Services(IEnumerable<KeyValuePair<string, string?>> settings)
    {
        var services = new ServiceCollection().AddLogging();
        services.AddSingleton<IConfiguration>(Configuration(settings));
        return services.AddQwenRag(Data).BuildServiceProvider();
    }

    private static IConfiguration Configuration(IEnumerable<KeyValuePair<string, string?>> settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

    private void Execute(string sql, params (string Name, object Value)[] parameters)
    {
        using var connection = new SqliteConnection($"Data Source={Data.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }
}
