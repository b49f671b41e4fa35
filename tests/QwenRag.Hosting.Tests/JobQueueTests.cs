using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Hosting.Tests.Contract;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>
/// The job queue's contract, run on each store: SQLite in a temporary data directory, and PostgreSQL in a private
/// cluster (skipped where it cannot start); no worker.
/// </summary>
public sealed class JobQueueTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "docs";
    private const string Worker = "test-machine:1:aaaa";
    private const long Limit = 1024 * 1024;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private StoreUnderTest? _store;
    private IJobQueue _queue = null!;

    private StoreUnderTest Store => _store ?? throw new InvalidOperationException("Call Use(store) first.");

    private string Uploads => Store.Data.UploadsPath;

    /// <summary>Where a local blob store keeps a job's upload: the layout data directories always had.</summary>
    private string StagedFile(string id) => Path.Combine(Uploads, id + ".upload");

    public void Dispose() => _store?.Dispose();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_Upload_QueuedWithStagedCopyAndFoundById(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAsync("notes.md", "# Notes\n\nTide tables.", "text/markdown", ["harbour", "2024"]);

        var found = _queue.Find(job.Id);
        Assert.NotNull(found);
        Assert.Equal(JobStatus.Queued, found.Status);
        Assert.Equal((Set, "notes.md", "text/markdown"), (found.Set, found.DocumentName, found.ContentType));
        Assert.Equal(["harbour", "2024"], found.Tags);
        Assert.Equal((0.0, 0, null, null), (found.Progress, found.Attempts, found.Error, found.DocumentId));
        Assert.Equal(job.CreatedAt, found.CreatedAt);
        Assert.Equal("# Notes\n\nTide tables.", await File.ReadAllTextAsync(StagedFile(job.Id)));
        Assert.Null(_queue.Find("0123456789abcdef0123456789abcdef"));
        Assert.Null(_queue.Find("../../qwenrag.db"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_Upload_RaisesEnqueuedOnceTheJobIsStored(StoreKind store)
    {
        Use(store);
        var seen = new List<int>();
        _queue.Enqueued += () => seen.Add(_queue.List().Count);

        await EnqueueAsync("a.txt", "alpha");

        Assert.Equal([1], seen);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite, true)]
    [InlineData(StoreKind.Sqlite, false)]
    [PostgresInlineData(StoreKind.Postgres, true)]
    [PostgresInlineData(StoreKind.Postgres, false)]
    public async Task Enqueue_OverSizeLimit_ThrowsTooLargeAndLeavesNothing(StoreKind store, bool seekable)
    {
        Use(store);
        var bytes = new byte[3000];
        Stream content = seekable ? new MemoryStream(bytes) : new NonSeekableStream(bytes);

        var error = await Assert.ThrowsAsync<DocumentRejectedException>(
            () => _queue.EnqueueAsync(Set, "big.pdf", content, null, [], maxBytes: 1000));

        Assert.Equal(DocumentRejectionReason.TooLarge, error.Reason);
        Assert.StartsWith("big.pdf:", error.Message, StringComparison.Ordinal);
        Assert.Empty(_queue.List());
        Assert.Empty(Directory.GetFiles(Uploads));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_SeveralFilesOneFailsWhileStaging_NoneQueuedNoneStaged(StoreKind store)
    {
        Use(store);
        UploadToQueue[] files =
        [
            new("a.txt", new MemoryStream(new byte[5000]), "text/plain"),
            new("b.txt", new MemoryStream(new byte[5000]), "text/plain"),
            new("c.txt", new DiskFullStream(), "text/plain"),
        ];

        await Assert.ThrowsAsync<StorageFullException>(() => _queue.EnqueueAsync(Set, files, [], Limit));

        Assert.Empty(_queue.List());
        Assert.Empty(Directory.GetFiles(Uploads));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_SeveralFiles_AllQueuedInOrderWithTheirStagedCopies(StoreKind store)
    {
        Use(store);
        UploadToQueue[] files =
        [
            new("a.txt", new MemoryStream("alpha"u8.ToArray()), "text/plain"),
            new("b.txt", new MemoryStream("beta"u8.ToArray()), null),
        ];

        var jobs = await _queue.EnqueueAsync(Set, files, ["t"], Limit);

        Assert.Equal(["a.txt", "b.txt"], jobs.Select(job => job.DocumentName));
        Assert.All(jobs, job => Assert.True(File.Exists(StagedFile(job.Id))));
        Assert.Equal(2, _queue.List().Count);
        Assert.Equal("beta", File.ReadAllText(StagedFile(jobs[1].Id)));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_PathTraversalName_StagedUnderJobIdOnlyAndNameCleaned(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAsync("../../etc/passwd", "root:x:0:0");

        Assert.Equal("passwd", job.DocumentName);
        var staged = Assert.Single(Directory.GetFiles(Uploads));
        Assert.Equal(Path.Combine(Uploads, job.Id + ".upload"), staged);
        Assert.Equal("uploads/" + job.Id + ".upload", StagedUploads.KeyFor(job.Id));
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(Store.Data.Root)!, "passwd", SearchOption.TopDirectoryOnly));
        Assert.DoesNotContain(
            Directory.GetFiles(Store.Data.Root, "*", SearchOption.AllDirectories),
            path => path.Contains("passwd", StringComparison.Ordinal) || path.Contains("etc", StringComparison.Ordinal));
        Assert.Throws<ArgumentException>(() => StagedUploads.KeyFor("../../etc/passwd"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_InvalidSet_ThrowsAndLeavesNothing(StoreKind store)
    {
        Use(store);
        await Assert.ThrowsAsync<ArgumentException>(
            () => _queue.EnqueueAsync("../sets", "a.txt", new MemoryStream([1, 2, 3]), null, [], Limit));

        Assert.Empty(_queue.List());
        Assert.Empty(Directory.GetFiles(Uploads));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task List_BySetAndStatus_NewestFirst(StoreKind store)
    {
        Use(store);
        var first = await EnqueueAsync("1.txt", "one");
        var second = await EnqueueAsync("2.txt", "two");
        var other = await _queue.EnqueueAsync("other", "3.txt", Content("three"), null, [], Limit);
        var claimed = _queue.TryClaim(Worker, Lease);

        Assert.Equal([other.Id, second.Id, first.Id], _queue.List().Select(job => job.Id));
        Assert.Equal([second.Id, first.Id], _queue.List(Set).Select(job => job.Id));
        Assert.Equal([first.Id], _queue.List(status: JobStatus.Running).Select(job => job.Id));
        Assert.Equal([second.Id], _queue.List(Set, JobStatus.Queued).Select(job => job.Id));
        Assert.Equal([other.Id], _queue.List(limit: 1).Select(job => job.Id));
        Assert.Equal(first.Id, claimed?.Id);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task TryClaim_QueuedJobs_OldestFirstRunningWithOneAttempt(StoreKind store)
    {
        Use(store);
        var first = await EnqueueAsync("1.txt", "one");
        var second = await EnqueueAsync("2.txt", "two");

        var a = _queue.TryClaim(Worker, Lease);
        var b = _queue.TryClaim("other:2:bbbb", Lease);
        var none = _queue.TryClaim(Worker, Lease);

        Assert.Equal(first.Id, a?.Id);
        Assert.Equal(second.Id, b?.Id);
        Assert.Null(none);
        Assert.Equal((JobStatus.Running, 1), (a!.Status, a.Attempts));
        Assert.Equal(JobStatus.Running, _queue.Find(second.Id)!.Status);
        Assert.True(_queue.HasUnfinishedJobs());
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Complete_HeldJob_SucceededWithDocumentIdAndStagedUploadDeleted(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAndClaimAsync();

        Assert.False(_queue.Complete(job.Id, "someone:9:else", "doc1"));
        Assert.True(_queue.Complete(job.Id, Worker, "doc1"));

        var done = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Succeeded, 1.0, "doc1", null), (done.Status, done.Progress, done.DocumentId, done.Error));
        Assert.False(File.Exists(StagedFile(job.Id)));
        Assert.False(_queue.HasUnfinishedJobs());
        Assert.False(_queue.Fail(job.Id, Worker, "too late"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Fail_HeldJob_FailedWithErrorAndStagedUploadKept(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAndClaimAsync();

        Assert.True(_queue.Fail(job.Id, Worker, "a.txt: the file is empty"));

        var failed = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Failed, "a.txt: the file is empty"), (failed.Status, failed.Error));
        Assert.True(File.Exists(StagedFile(job.Id)));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Retry_FailedJob_QueuedAgainWithErrorClearedAndAttemptsKept(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAndClaimAsync();
        _queue.Fail(job.Id, Worker, "broken");
        var woken = 0;
        _queue.Enqueued += () => woken++;

        Assert.True(_queue.Retry(job.Id));

        var queued = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Queued, null, 1), (queued.Status, queued.Error, queued.Attempts));
        Assert.Equal(1, woken);
        Assert.Equal(2, _queue.TryClaim(Worker, Lease)!.Attempts);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Retry_JobNotFailed_ReturnsFalse(StoreKind store)
    {
        Use(store);
        var running = await EnqueueAndClaimAsync();
        var succeeded = await EnqueueAndClaimAsync();
        _queue.Complete(succeeded.Id, Worker, "doc");
        var queued = await EnqueueAsync("q.txt", "queued");

        Assert.False(_queue.Retry(queued.Id));
        Assert.False(_queue.Retry(running.Id));
        Assert.False(_queue.Retry(succeeded.Id));
        Assert.False(_queue.Retry("0123456789abcdef0123456789abcdef"));
        Assert.False(_queue.Retry("not-a-job"));
        Assert.Equal(JobStatus.Running, _queue.Find(running.Id)!.Status);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RenewLease_HeldJob_RecordsProgressUntilAnotherWorkerTakesItOver(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAsync("a.txt", "alpha");
        _queue.TryClaim(Worker, TimeSpan.FromMilliseconds(1));

        Assert.True(_queue.RenewLease(job.Id, Worker, TimeSpan.FromMilliseconds(1), 0.4));
        Assert.Equal(0.4, _queue.Find(job.Id)!.Progress);
        await Task.Delay(20);
        Assert.Single(_queue.RecoverAbandoned());
        var takenOver = _queue.TryClaim("other:2:bbbb", Lease)!;

        Assert.False(_queue.RenewLease(job.Id, Worker, Lease, 0.5));
        Assert.False(_queue.Complete(job.Id, Worker, "doc"));
        Assert.Equal((JobStatus.Running, 2, 0.0), (takenOver.Status, takenOver.Attempts, takenOver.Progress));
        Assert.True(_queue.Complete(job.Id, "other:2:bbbb", "doc"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RecoverAbandoned_LeaseExpired_QueuedAgain(StoreKind store)
    {
        Use(store);
        var expired = await EnqueueAsync("expired.txt", "one");
        _queue.TryClaim(Worker, TimeSpan.FromMilliseconds(1));
        var held = await EnqueueAsync("held.txt", "two");
        _queue.TryClaim(Worker, Lease);
        await Task.Delay(20);

        var recovered = _queue.RecoverAbandoned();

        Assert.Equal([expired.Id], recovered.Select(job => job.Id));
        Assert.Equal((JobStatus.Queued, 1), (_queue.Find(expired.Id)!.Status, _queue.Find(expired.Id)!.Attempts));
        Assert.Equal(JobStatus.Running, _queue.Find(held.Id)!.Status);
        Assert.Equal(expired.Id, _queue.TryClaim(Worker, Lease)?.Id);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RecoverAbandoned_OwnerProcessDeadOnThisMachine_QueuedBeforeLeaseExpires(StoreKind store)
    {
        Use(store);
        using var alive = Process.Start(new ProcessStartInfo("sleep", "60") { RedirectStandardOutput = true })!;
        int deadPid;
        using (var finished = Process.Start(new ProcessStartInfo("true") { RedirectStandardOutput = true })!)
        {
            await finished.WaitForExitAsync();
            deadPid = finished.Id;
        }

        try
        {
            var orphaned = await EnqueueAsync("orphaned.txt", "one");
            _queue.TryClaim($"{Environment.MachineName}:{deadPid}:dead", Lease);
            var living = await EnqueueAsync("living.txt", "two");
            _queue.TryClaim($"{Environment.MachineName}:{alive.Id}:live", Lease);
            var remote = await EnqueueAsync("remote.txt", "three");
            _queue.TryClaim($"another-machine:{deadPid}:far", Lease);

            var recovered = _queue.RecoverAbandoned(WorkerIdentity.IsDeadOnThisMachine);

            Assert.Equal([orphaned.Id], recovered.Select(job => job.Id));
            Assert.Equal(JobStatus.Queued, _queue.Find(orphaned.Id)!.Status);
            Assert.Equal(JobStatus.Running, _queue.Find(living.Id)!.Status);
            Assert.Equal(JobStatus.Running, _queue.Find(remote.Id)!.Status);
        }
        finally
        {
            alive.Kill();
        }
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RecoverAbandoned_StartedMaxAttemptsTimes_FailedInsteadOfQueued(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAsync("poison.pdf", "%PDF");
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            _queue.TryClaim(Worker, TimeSpan.FromMilliseconds(1));
            await Task.Delay(20);
            _queue.RecoverAbandoned(maxAttempts: 3);
        }

        var failed = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Failed, 3), (failed.Status, failed.Attempts));
        Assert.Contains("3 attempts", failed.Error, StringComparison.Ordinal);
        Assert.True(_queue.Retry(job.Id));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Requeue_TransientFailure_QueuedWithErrorAndSkippedByTryClaimUntilDue(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAndClaimAsync();
        var later = await EnqueueAsync("later.txt", "enqueued after");
        var next = DateTimeOffset.UtcNow.AddHours(1);

        Assert.False(_queue.Requeue(job.Id, "someone:9:else", "a.txt: disk full", next));
        Assert.True(_queue.Requeue(job.Id, Worker, "a.txt: disk full", next));

        var waiting = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Queued, "a.txt: disk full", 1, 1), (waiting.Status, waiting.Error, waiting.Attempts, waiting.TransientFailures));
        Assert.Equal(SqliteDatabase.ReadTimestamp(SqliteDatabase.Timestamp(next)), waiting.NextAttemptAt);
        Assert.True(File.Exists(StagedFile(job.Id)));
        Assert.True(_queue.HasUnfinishedJobs());
        Assert.Equal(later.Id, _queue.TryClaim(Worker, Lease)?.Id);
        Assert.Null(_queue.TryClaim(Worker, Lease));
        Assert.Equal(SqliteDatabase.Timestamp(next), SqliteDatabase.Timestamp(_queue.NextDue()!.Value));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Requeue_NextAttemptPassed_ClaimedAgainWithLastErrorKeptUntilSuccess(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAndClaimAsync();
        Assert.True(_queue.Requeue(job.Id, Worker, "a.txt: database is locked", DateTimeOffset.UtcNow.AddMilliseconds(-1)));

        var again = _queue.TryClaim(Worker, Lease)!;

        Assert.Equal((job.Id, 2, 1, "a.txt: database is locked"), (again.Id, again.Attempts, again.TransientFailures, again.Error));
        Assert.True(_queue.Complete(job.Id, Worker, "doc"));
        Assert.Null(_queue.Find(job.Id)!.Error);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RecoverAbandoned_TransientFailuresDoNotCountAsVanishedWorkers(StoreKind store)
    {
        Use(store);
        var job = await EnqueueAsync("busy.txt", "alpha");
        for (var i = 0; i < 3; i++)
        {
            _queue.TryClaim(Worker, Lease);
            _queue.Requeue(job.Id, Worker, "busy.txt: database is locked", DateTimeOffset.UtcNow.AddMilliseconds(-1));
        }

        _queue.TryClaim(Worker, TimeSpan.FromMilliseconds(1));
        await Task.Delay(20);
        _queue.RecoverAbandoned(maxAttempts: 2);

        var recovered = _queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Queued, 4), (recovered.Status, recovered.Attempts));
        Assert.Equal("busy.txt: database is locked", recovered.Error);
    }

    [Fact]
    public void WorkerIdentity_ToStringAndTryParse_RoundTrip()
    {
        var identity = WorkerIdentity.ForThisProcess();

        Assert.Equal(identity, WorkerIdentity.TryParse(identity.ToString()));
        Assert.Equal(new WorkerIdentity("host:with:colons", 42, "ab12"), WorkerIdentity.TryParse("host:with:colons:42:ab12"));
        Assert.Null(WorkerIdentity.TryParse("no-pid"));
        Assert.Null(WorkerIdentity.TryParse("host:x:ab12"));
        Assert.False(WorkerIdentity.IsDeadOnThisMachine("garbage"));
    }

    [Fact]
    public void WorkerIdentity_MachineNameGiven_DeadOwnersJudgedByPidOnlyUnderThatName()
    {
        // No process has this id, so an owner under the judging machine's name is dead; under another name it only lapses.
        var gone = new WorkerIdentity("node-7", int.MaxValue, "ab12").ToString();

        Assert.Equal("node-7", WorkerIdentity.ForThisProcess("node-7").Machine);
        Assert.Equal(Environment.MachineName, WorkerIdentity.ForThisProcess().Machine);
        Assert.True(WorkerIdentity.IsDeadOn("node-7", gone));
        Assert.False(WorkerIdentity.IsDeadOn("node-8", gone));
    }

    [Fact]
    public void AddIngestionWorker_BlankMachineName_Refused() =>
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddIngestionWorker(new IngestionWorkerOptions { MachineName = " " }));

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task PruneStagedUploads_OrphanAndExpiredFailedUploads_DeletedAndRetryRefused(StoreKind store)
    {
        Use(store);
        var failed = await EnqueueAndClaimAsync();
        _queue.Fail(failed.Id, Worker, "broken");
        var queued = await EnqueueAsync("queued.txt", "still wanted");
        var orphan = Path.Combine(Uploads, Guid.NewGuid().ToString("N") + ".upload");
        await File.WriteAllTextAsync(orphan, "staged, then the process died");

        Assert.Equal(0, _queue.PruneStagedUploads(TimeSpan.FromDays(7), TimeSpan.FromHours(1)));
        Assert.Equal(2, _queue.PruneStagedUploads(TimeSpan.Zero, TimeSpan.Zero));

        Assert.False(File.Exists(orphan));
        Assert.False(File.Exists(StagedFile(failed.Id)));
        Assert.True(File.Exists(StagedFile(queued.Id)));
        Assert.False(_queue.Retry(failed.Id));
    }

    private void Use(StoreKind store)
    {
        _store = new StoreUnderTest(store, cluster);
        _queue = _store.NewQueue();
    }

    private async Task<IngestionJob> EnqueueAndClaimAsync()
    {
        var job = await EnqueueAsync("a.txt", "alpha");
        var claimed = _queue.TryClaim(Worker, Lease);
        Assert.Equal(job.Id, claimed?.Id);
        return claimed!;
    }

    private Task<IngestionJob> EnqueueAsync(string name, string text, string? contentType = null, string[]? tags = null) =>
        _queue.EnqueueAsync(Set, name, Content(text), contentType, tags ?? [], Limit);

    private static MemoryStream Content(string text) => new(Encoding.UTF8.GetBytes(text));

    /// <summary>An upload whose length is not known in advance, like a request body.</summary>
    private sealed class NonSeekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }

    /// <summary>Fails its first read as a full disk does (ENOSPC).</summary>
    private sealed class DiskFullStream : MemoryStream
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            throw new IOException("No space left on device", 28);
    }
}
