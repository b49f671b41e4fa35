using System.Collections.Concurrent;
using System.Text;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>
/// The job queue shared by several processes (here: several queue instances over one store, each with its own
/// connections), on each store: claims, outcomes and recovery race and still happen exactly once.
/// </summary>
public sealed class JobQueueConcurrencyTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "docs";
    private const long Limit = 1024 * 1024;
    private static readonly TimeSpan Lease = TimeSpan.FromSeconds(30);

    private StoreUnderTest? _store;

    private StoreUnderTest Store => _store!;

    public void Dispose() => _store?.Dispose();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task TryClaim_ManyConcurrentClaimers_EachJobClaimedOnceOldestFirst(StoreKind store)
    {
        Use(store);
        var producer = Store.NewQueue();
        var jobs = await producer.EnqueueAsync(Set, Files(40), [], Limit);
        var queues = Enumerable.Range(0, 8).Select(_ => Store.NewQueue()).ToArray();
        var claims = new ConcurrentQueue<(string Worker, IngestionJob Job)>();
        using var start = new Barrier(queues.Length);

        await Task.WhenAll(queues.Select((queue, index) => Task.Run(() =>
        {
            var worker = $"machine-{index}:{index + 100}:w{index}";
            start.SignalAndWait();
            while (queue.TryClaim(worker, Lease) is { } job)
            {
                claims.Enqueue((worker, job));
            }
        })));

        Assert.Equal(jobs.Select(job => job.Id).Order(), claims.Select(claim => claim.Job.Id).Order());
        Assert.All(claims, claim => Assert.Equal((JobStatus.Running, 1), (claim.Job.Status, claim.Job.Attempts)));

        // Each worker took its own jobs oldest first.
        foreach (var byWorker in claims.GroupBy(claim => claim.Worker))
        {
            var order = byWorker.Select(claim => jobs.ToList().FindIndex(job => job.Id == claim.Job.Id)).ToList();
            Assert.Equal(order.Order(), order);
        }

        // Only the owner completes; racing owners and strangers change nothing twice.
        var completions = await Task.WhenAll(claims.SelectMany(claim => new[]
        {
            Task.Run(() => queues[0].Complete(claim.Job.Id, claim.Worker, "doc-" + claim.Job.Id)),
            Task.Run(() => queues[1].Complete(claim.Job.Id, claim.Worker, "doc-" + claim.Job.Id)),
            Task.Run(() => queues[2].Complete(claim.Job.Id, "stranger:1:x", "wrong")),
        }));
        Assert.Equal(40, completions.Count(completed => completed));
        Assert.All(producer.List(limit: 100), job => Assert.Equal((JobStatus.Succeeded, "doc-" + job.Id), (job.Status, job.DocumentId)));
        Assert.False(producer.HasUnfinishedJobs());
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RecoverAbandoned_ConcurrentRecoverers_EachExpiredJobQueuedOnceThenClaimedByAnother(StoreKind store)
    {
        Use(store);
        var queue = Store.NewQueue();
        var jobs = await queue.EnqueueAsync(Set, Files(10), [], Limit);
        while (queue.TryClaim("vanished:1:dead", TimeSpan.FromMilliseconds(1)) is not null)
        {
        }

        await Task.Delay(30);
        var recoverers = Enumerable.Range(0, 4).Select(_ => Store.NewQueue()).ToArray();
        var recovered = await Task.WhenAll(recoverers.Select(recoverer => Task.Run(() => recoverer.RecoverAbandoned())));

        Assert.Equal(10, recovered.Sum(list => list.Count));
        Assert.All(queue.List(), job => Assert.Equal((JobStatus.Queued, 1), (job.Status, job.Attempts)));
        var again = recoverers[1].TryClaim("alive:2:live", Lease)!;
        Assert.Equal((jobs[0].Id, 2), (again.Id, again.Attempts));
        Assert.False(queue.Complete(again.Id, "vanished:1:dead", "doc"));
        Assert.True(queue.Complete(again.Id, "alive:2:live", "doc"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task RenewLease_FromAnotherInstance_KeepsTheJobFromRecovery(StoreKind store)
    {
        Use(store);
        var queue = Store.NewQueue();
        var job = await queue.EnqueueAsync(Set, "a.txt", Content("alpha"), null, [], Limit);
        var worker = Store.NewQueue();
        Assert.Equal(job.Id, worker.TryClaim("w:1:a", TimeSpan.FromMilliseconds(300))?.Id);

        for (var beat = 0; beat < 4; beat++)
        {
            await Task.Delay(100);
            Assert.True(worker.RenewLease(job.Id, "w:1:a", TimeSpan.FromMilliseconds(300), beat / 4.0));
            Assert.Empty(queue.RecoverAbandoned());
        }

        await Task.Delay(400);
        Assert.Equal([job.Id], queue.RecoverAbandoned().Select(recovered => recovered.Id));
        Assert.False(worker.RenewLease(job.Id, "w:1:a", Lease));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Enqueue_SeveralFilesOneRefusedByTheDatabase_NoneQueuedNoneStaged(StoreKind store)
    {
        Use(store);
        var queue = Store.NewQueue();
        Assert.Empty(queue.List()); // creates the tables
        Store.ExecuteSql(store == StoreKind.Sqlite
            ? """
              CREATE TRIGGER refuse_b BEFORE INSERT ON ingestion_jobs WHEN NEW.document_name = 'b.txt'
              BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;
              """
            : """
              CREATE FUNCTION refuse_b() RETURNS trigger LANGUAGE plpgsql AS $$
              BEGIN RAISE EXCEPTION 'refused by the test'; END $$;
              CREATE TRIGGER refuse_b BEFORE INSERT ON ingestion_jobs FOR EACH ROW
              WHEN (NEW.document_name = 'b.txt') EXECUTE FUNCTION refuse_b();
              """);

        UploadToQueue[] files = [new("a.txt", Content("alpha"), null), new("b.txt", Content("beta"), null), new("c.txt", Content("gamma"), null)];
        var error = await Assert.ThrowsAnyAsync<Exception>(() => queue.EnqueueAsync(Set, files, [], Limit));

        Assert.Contains("refused by the test", error.Message, StringComparison.Ordinal);
        Assert.Empty(queue.List());
        Assert.Empty(Directory.GetFiles(Store.Data.UploadsPath));
    }

    [PostgresFact]
    public async Task Enqueued_JobQueuedThroughAnotherInstance_WakesThisOneThroughNotify()
    {
        Use(StoreKind.Postgres);
        var listener = Store.NewQueue();
        using var woken = new SemaphoreSlim(0);
        var own = 0;
        listener.Enqueued += () => woken.Release();
        await Task.Delay(500); // the LISTEN connection opens in the background

        var producer = Store.NewQueue();
        producer.Enqueued += () => Interlocked.Increment(ref own);
        await producer.EnqueueAsync(Set, "a.txt", Content("alpha"), null, [], Limit);

        Assert.True(await woken.WaitAsync(TimeSpan.FromSeconds(10)), "the other instance's NOTIFY did not arrive");
        await Task.Delay(300);
        Assert.Equal(1, Volatile.Read(ref own)); // raised once here, not again by its own notification
    }

    [PostgresFact]
    public async Task Operations_DatabaseUnreachable_ThrowCatalogUnavailableAndKeepNothing()
    {
        Use(StoreKind.Postgres);
        var port = new Npgsql.NpgsqlConnectionStringBuilder(Store.ConnectionString).Port;
        var closed = new Npgsql.NpgsqlConnectionStringBuilder(Store.ConnectionString) { Port = port == 1 ? 2 : 1, Timeout = 2 }.ConnectionString;
        await using var database = new PostgresDatabase(new PostgresOptions { ConnectionString = closed });
        var queue = new PostgresJobQueue(database, new StagedUploads(Store.Data));
        var catalog = new PostgresDocumentCatalog(database);

        var enqueue = await Assert.ThrowsAsync<CatalogUnavailableException>(
            () => queue.EnqueueAsync(Set, "a.txt", Content("alpha"), null, [], Limit));
        Assert.Contains("127.0.0.1", enqueue.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Password", enqueue.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(Directory.GetFiles(Store.Data.UploadsPath));
        Assert.Throws<CatalogUnavailableException>(() => queue.TryClaim("w:1:a", Lease));
        Assert.Throws<CatalogUnavailableException>(() => catalog.ListSets());
        Assert.Equal(
            Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Unhealthy,
            (await new PostgresHealthCheck(database).CheckHealthAsync(new())).Status);
        Assert.Equal(
            Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy,
            (await new PostgresHealthCheck(Store.NewDatabase()).CheckHealthAsync(new())).Status);
    }

    private void Use(StoreKind store) => _store = new StoreUnderTest(store, cluster);

    private static UploadToQueue[] Files(int count) =>
        [.. Enumerable.Range(0, count).Select(i => new UploadToQueue($"{i:D3}.txt", Content($"document {i}"), "text/plain"))];

    private static MemoryStream Content(string text) => new(Encoding.UTF8.GetBytes(text));
}
