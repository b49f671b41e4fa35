using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Retrieval.Keywords;
using QwenRag.Retrieval.Vectors;
using QwenRag.Tests;
using Xunit.Abstractions;
using static QwenRag.Hosting.Tests.WorkerTests;

namespace QwenRag.Hosting.Tests;

/// <summary>
/// A data directory on a small real volume (tmpfs) that fills up during indexing. Where mounting is impossible the
/// same scenario runs against a keyword index that fails with SQLITE_FULL, and the test output says so.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const string Set = "docs";
    private const long Limit = 100L * 1024 * 1024;

    private static readonly IngestionWorkerOptions Options = FastRetries with { MaxTransientAttempts = 1000 };

    [Fact]
    public async Task Worker_DiskFillsDuringIndexing_JobQueuedWithDiskFullThenSucceedsOnceSpaceIsFreed()
    {
        using var volume = TmpfsVolume.TryMount(48, out var reason);
        using var fallback = volume is null ? new TemporaryDirectory() : null;
        output.WriteLine(volume is null ? $"tmpfs unavailable ({reason}); ran against a SQLITE_FULL keyword index" : $"tmpfs mounted at {volume.Path}");
        var data = new DataDirectory(Path.Combine(volume?.Path ?? fallback!.Path, "data"));
        var keywords = new FailingKeywordIndex(new SqliteKeywordIndex(data));
        await using var worker = await RunningWorker.StartAsync(
            data, Options, configure: services => services.AddSingleton<IKeywordIndex>(keywords));

        var first = await EnqueueFileAsync(worker, "reducing_variance.md", TestCorpus.MixedFile("reducing_variance.md"));
        var firstDone = await WaitForAsync(worker.Queue, first.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
        Assert.Equal(JobStatus.Succeeded, firstDone.Status);

        var second = TestCorpus.Pdf("lppl-1.3c.pdf");
        if (volume is not null)
        {
            // Room for the staged upload and its job row, not for the worker's copy of the original or its chunks.
            volume.Fill(leaveBytes: new FileInfo(second).Length + (64 * 1024));
        }
        else
        {
            keywords.Failure = () => new SqliteException("database or disk is full", 13);
        }

        var job = await EnqueueFileAsync(worker, "lppl-1.3c.pdf", second);
        var waiting = await WaitForAsync(worker.Queue, job.Id, j => j.TransientFailures >= 1 && j.Status != JobStatus.Running);

        Assert.Equal(JobStatus.Queued, waiting.Status);
        Assert.Contains("disk full", waiting.Error, StringComparison.Ordinal);
        Assert.True(waiting.NextAttemptAt > waiting.UpdatedAt);
        output.WriteLine($"while full: {waiting.Error} (next attempt {waiting.NextAttemptAt:O})");

        // The earlier document is intact and searchable while the disk is full.
        var hits = await worker.Get<QueryService>().SearchAsync(new SearchFilter(Set), "CPU frequency scaling benchmark", 5);
        Assert.Contains(hits.Results, hit => hit.DocumentId == firstDone.DocumentId);

        if (volume is not null)
        {
            volume.FreeFiller();
        }
        else
        {
            keywords.Failure = null;
        }

        var done = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
        output.WriteLine($"after freeing: {done.Status} after {done.Attempts} attempts, {done.TransientFailures} transient failures");

        Assert.Equal((JobStatus.Succeeded, null), (done.Status, done.Error));
        Assert.True(done.Attempts >= 2);
        var catalog = worker.Get<IDocumentCatalog>();
        var entries = catalog.List(Set);
        Assert.Equal(2, entries.Count);
        foreach (var entry in entries)
        {
            Assert.Equal(DocumentStatus.Ready, entry.Status);
            Assert.True(entry.Chunks > 0);
            Assert.Equal(entry.Chunks, WorkerOutcomeTests.CountRows(data.DatabasePath, "keyword_chunks", entry.Id));
            Assert.Equal(entry.Chunks, WorkerOutcomeTests.CountRows(Path.Combine(data.VectorsPath, DataDirectory.VectorDatabaseFileName), "chunks", entry.Id));
        }

        Assert.Equal(entries.Sum(entry => entry.Chunks), worker.Get<EmbeddedVectorStore>().Count(Set));
        Assert.Empty(Directory.GetFiles(data.OriginalsPath, "*.partial", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Enqueue_DiskFull_ThrowsStorageFullAndLeavesNoPartialFileOrJob()
    {
        using var volume = TmpfsVolume.TryMount(8, out var reason);
        if (volume is null)
        {
            output.WriteLine($"tmpfs unavailable ({reason}); nothing to fill, so this test checked nothing");
            return;
        }

        var data = new DataDirectory(Path.Combine(volume.Path, "data"));
        var queue = new IngestionJobQueue(data);
        volume.Fill(leaveBytes: 64 * 1024);

        var error = await Assert.ThrowsAsync<StorageFullException>(
            () => queue.EnqueueAsync(Set, "big.txt", new MemoryStream(new byte[1024 * 1024]), null, [], Limit));

        Assert.Contains("disk full", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(data.UploadsPath));
        Assert.Empty(queue.List());

        volume.FreeFiller();
        var job = await queue.EnqueueAsync(Set, "big.txt", new MemoryStream(new byte[1024 * 1024]), null, [], Limit);
        Assert.Equal(1024 * 1024, new FileInfo(Path.Combine(data.UploadsPath, job.Id + ".upload")).Length);
    }

    private static async Task<IngestionJob> EnqueueFileAsync(RunningWorker worker, string name, string path)
    {
        await using var file = File.OpenRead(path);
        return await worker.Queue.EnqueueAsync(Set, name, file, null, [], Limit);
    }
}
