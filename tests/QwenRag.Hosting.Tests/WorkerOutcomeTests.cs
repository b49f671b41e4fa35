using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval.Keywords;
using QwenRag.Tests;
using static QwenRag.Hosting.Tests.WorkerTests;

namespace QwenRag.Hosting.Tests;

/// <summary>How the worker decides about a failed document: real services, a keyword index that fails on demand.</summary>
public sealed class WorkerOutcomeTests : IDisposable
{
    private const string Set = "docs";
    private const long Limit = 100L * 1024 * 1024;

    private static readonly IngestionWorkerOptions Options = FastRetries;

    private readonly TemporaryDirectory _directory = new();

    private DataDirectory Data => new(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Worker_LockedDatabase_QueuedAgainWithErrorAndNextAttemptThenSucceedsWithoutDuplicates()
    {
        var keywords = new FailingKeywordIndex(new SqliteKeywordIndex(Data)) { Failure = () => new SqliteException("database is locked", 6) };
        await using var worker = await RunningWorker.StartAsync(Data, Options, configure: services => services.AddSingleton<IKeywordIndex>(keywords));
        await using var file = File.OpenRead(TestCorpus.MixedFile("reducing_variance.md"));
        var job = await worker.Queue.EnqueueAsync(Set, "reducing_variance.md", file, null, [], Limit);

        var waiting = await WaitForAsync(worker.Queue, job.Id, j => j.Status == JobStatus.Queued && j.TransientFailures >= 1);

        Assert.Contains("database is locked", waiting.Error, StringComparison.Ordinal);
        Assert.NotNull(waiting.NextAttemptAt);
        Assert.True(waiting.NextAttemptAt > waiting.UpdatedAt);
        Assert.True(worker.Queue.Uploads.Exists(job.Id));

        keywords.Failure = null;
        var done = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

        Assert.Equal((JobStatus.Succeeded, null), (done.Status, done.Error));
        Assert.True(done.Attempts >= 2);
        var entry = worker.Get<IDocumentCatalog>().Find(Set, done.DocumentId!)!;
        Assert.Equal(DocumentStatus.Ready, entry.Status);
        Assert.Equal(entry.Chunks, CountRows(Data.DatabasePath, "keyword_chunks", entry.Id));
        Assert.Equal(entry.Chunks, CountRows(Path.Combine(Data.VectorsPath, DataDirectory.VectorDatabaseFileName), "chunks", entry.Id));
    }

    [Fact]
    public async Task Worker_TransientFailureEveryTime_FailsAfterMaxTransientAttemptsWithLastError()
    {
        var keywords = new FailingKeywordIndex(new SqliteKeywordIndex(Data)) { Failure = () => new HttpRequestException("store unreachable") };
        var options = Options with { RetryDelay = TimeSpan.FromMilliseconds(20), MaxRetryDelay = TimeSpan.FromMilliseconds(50), MaxTransientAttempts = 3 };
        await using var worker = await RunningWorker.StartAsync(Data, options, configure: services => services.AddSingleton<IKeywordIndex>(keywords));
        var job = await worker.Queue.EnqueueAsync(Set, "note.md", new MemoryStream("# Note\n\nThe harbour master logs tides."u8.ToArray()), null, [], Limit);

        var failed = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

        Assert.Equal((JobStatus.Failed, 3, 3), (failed.Status, failed.Attempts, keywords.FailedWrites));
        Assert.Contains("store unreachable", failed.Error, StringComparison.Ordinal);
        Assert.Contains("gave up after 3 attempts", failed.Error, StringComparison.Ordinal);
        Assert.Empty(worker.Get<IDocumentCatalog>().List(Set));
        Assert.True(worker.Queue.Retry(job.Id));
        Assert.Equal(0, worker.Queue.Find(job.Id)!.TransientFailures);
    }

    [Fact]
    public async Task Worker_UnexpectedException_FailsAtOnceWithoutRetry()
    {
        var keywords = new FailingKeywordIndex(new SqliteKeywordIndex(Data)) { Failure = () => new InvalidOperationException("a bug") };
        await using var worker = await RunningWorker.StartAsync(Data, Options, configure: services => services.AddSingleton<IKeywordIndex>(keywords));
        var job = await worker.Queue.EnqueueAsync(Set, "note.md", new MemoryStream("# Note\n\nThe harbour master logs tides."u8.ToArray()), null, [], Limit);

        var failed = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

        Assert.Equal((JobStatus.Failed, 1, 0), (failed.Status, failed.Attempts, failed.TransientFailures));
        Assert.Contains("a bug", failed.Error, StringComparison.Ordinal);
        Assert.Equal(1, keywords.FailedWrites);
    }

    [Fact]
    public async Task Ingestor_TransientFailureInABatch_ReportedForThatFileAndTheNextStillIngested()
    {
        // What `qwenrag ingest` does: one IngestFileAsync per file, outcomes collected.
        var keywords = new FailingKeywordIndex(new SqliteKeywordIndex(Data)) { Failure = () => new SqliteException("database or disk is full", 13) };
        await using var services = new ServiceCollection().AddQwenRag(Data).AddSingleton<IKeywordIndex>(keywords).BuildServiceProvider();
        var ingestor = services.GetRequiredService<DocumentIngestor>();

        var failed = await ingestor.IngestFileAsync(Set, TestCorpus.MixedFile("reducing_variance.md"));
        keywords.Failure = null;
        var next = await ingestor.IngestFileAsync(Set, TestCorpus.MixedFile("users-and-groups.html"));

        Assert.Equal(IngestionStatus.Failed, failed.Status);
        Assert.Contains("disk full", failed.Error, StringComparison.Ordinal);
        Assert.Equal(IngestionFailureKind.Transient, IngestionFailureClassifier.Default.Classify(failed.Cause));
        Assert.Equal(IngestionStatus.Ingested, next.Status);
        Assert.Equal(next.DocumentId, Assert.Single(services.GetRequiredService<IDocumentCatalog>().List(Set)).Id);
    }

    internal static int CountRows(string databasePath, string table, string documentId)
    {
        using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table} WHERE document_id = $id";
        command.Parameters.AddWithValue("$id", documentId);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
