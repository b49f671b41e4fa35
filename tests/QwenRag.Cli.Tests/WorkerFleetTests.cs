using System.Diagnostics;
using System.Globalization;
using System.Text;
using Npgsql;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Postgres;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Retrieval.Vectors;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// A fleet of <c>qwenrag worker</c> processes over one PostgreSQL (catalog, job queue and blobs), as on several
/// machines: each worker has its own machine name, so a killed one is noticed only when its lease lapses.
/// </summary>
public sealed class WorkerFleetTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "fleet";
    private const int Jobs = 30;
    private const string Victim = "yarn.pdf";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);
    private static readonly string[] Pdfs = [Victim, "lppl-1.3c.pdf", "europecv-greek-utf8.pdf"];
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [PostgresFact]
    public async Task Workers_ThreeOverOnePostgresOneKilledMidJob_ThirtyJobsEachSucceedOnceAndNoDocumentIsDuplicated()
    {
        var connectionString = cluster.CreateDatabase();
        var data = new DataDirectory(_directory.Path);
        await using var database = new PostgresDatabase(new PostgresOptions { ConnectionString = connectionString });
        await using var blobs = new PostgresBlobStore(database);
        await using var queue = new PostgresJobQueue(database, new StagedUploads(blobs));

        // The PDF to be interrupted first, so that the first worker ready takes it; then small distinct documents,
        // which keep 30 jobs (three processes each loading the embedding model) within a minute or two on 2 cores.
        var jobs = new List<IngestionJob>();
        foreach (var pdf in Pdfs)
        {
            await using var file = File.OpenRead(TestCorpus.Pdf(pdf));
            jobs.Add(await queue.EnqueueAsync(Set, pdf, file, "application/pdf", [], 100L * 1024 * 1024));
        }

        for (var i = jobs.Count; i < Jobs; i++)
        {
            var (name, text) = GeneratedDocument(i);
            jobs.Add(await queue.EnqueueAsync(Set, name, new MemoryStream(Encoding.UTF8.GetBytes(text)), null, [], 100L * 1024 * 1024));
        }

        // Vectors and keywords stay in the embedded stores of one data directory that every worker opens (several
        // processes may share it); Qdrant, the fleet's real vector store, cannot run here. Uploads and originals go
        // to PostgreSQL, so nothing a job needs is on a worker's disk.
        var workers = Enumerable.Range(1, 3).Select(n => QwenRagDaemon.Start(
            $"worker node-{n}",
            data.Root,
            new Dictionary<string, string>
            {
                ["QwenRag__Blobs__Store"] = BlobStoreOptions.Postgres,
                ["QwenRag__Worker__MachineName"] = $"node-{n}",
            },
            ["worker", "--data", data.Root, "--postgres", connectionString, "--lease-seconds", "5"])).ToList();
        try
        {
            var victimJob = jobs[0].Id;
            var held = await WaitForLeaseAsync(database, victimJob, workers, lease =>
                lease is { Status: "Running", Progress: >= 0.2, Owner: { } owner }
                && workers.Any(worker => worker.Id == WorkerIdentity.TryParse(owner)?.ProcessId));
            var victimOwner = held.Owner!;
            var victim = workers.Single(worker => worker.Id == WorkerIdentity.TryParse(victimOwner)!.ProcessId);
            victim.Kill();
            var survivors = workers.Where(worker => worker != victim).ToList();

            // Until another worker requeues it, the job stays the dead worker's; the lease it last renewed must
            // have expired (by the database's clock) before anyone took the job from it.
            var lastHeld = held;
            var taken = await WaitForLeaseAsync(database, victimJob, survivors, lease =>
            {
                if (lease.Owner == victimOwner)
                {
                    lastHeld = lease;
                    return false;
                }

                return true;
            });
            Assert.True(
                taken.Now >= lastHeld.ExpiresAt,
                $"the job was taken from {victimOwner} at {taken.Now:O}, before its lease expired at {lastHeld.ExpiresAt:O}\n{Logs(workers)}");

            var finished = await WaitForAllAsync(queue, jobs, survivors, workers);
            foreach (var job in finished)
            {
                Assert.True(
                    (job.Status, job.Error, job.Attempts) == (JobStatus.Succeeded, null, job.Id == victimJob ? 2 : 1),
                    $"job {job.DocumentName}: {job.Status}, attempts {job.Attempts}, error {job.Error}\n{Logs(workers)}");

                // Exactly one worker recorded it, once: another would have logged a lease lost at the end.
                var recorded = workers.SelectMany(worker => Lines(worker).Where(line => IsSuccessOf(line, job))).ToList();
                Assert.True(recorded.Count == 1, $"job {job.DocumentName} was recorded {recorded.Count} times\n{Logs(workers)}");
            }

            Assert.DoesNotContain(workers, worker => worker.Log.Contains("another worker had taken it over", StringComparison.Ordinal));
            var interrupted = jobs[0];
            Assert.Contains($"Job {victimJob}: ingesting {Set}/{Victim} (attempt 1)", victim.Log, StringComparison.Ordinal);
            Assert.DoesNotContain(Lines(victim), line => IsSuccessOf(line, interrupted));
            var finisher = Assert.Single(survivors, worker => Lines(worker).Any(line => IsSuccessOf(line, interrupted)));
            Assert.Contains($"Job {victimJob}: ingesting {Set}/{Victim} (attempt 2)", finisher.Log, StringComparison.Ordinal);
        }
        finally
        {
            workers.ForEach(worker => worker.Dispose());
        }

        var documents = new PostgresDocumentCatalog(database).List(Set);
        Assert.Equal(jobs.Select(job => job.DocumentName).Order(StringComparer.Ordinal), documents.Select(document => document.Name).Order(StringComparer.Ordinal));
        Assert.Equal(Jobs, documents.Select(document => document.Id).Distinct().Count());
        Assert.All(documents, document => Assert.Equal((DocumentStatus.Ready, true), (document.Status, document.Chunks > 0)));
        using (var vectors = new EmbeddedVectorStore(data))
        {
            var perDocument = vectors.CountByDocument(Set);
            Assert.All(documents, document => Assert.Equal(document.Chunks, perDocument.GetValueOrDefault(document.Id)));
            Assert.Equal(documents.Sum(document => document.Chunks), vectors.Count(Set));
        }

        Assert.All(documents, document => Assert.Equal(document.Chunks, KeywordIndex.CountChunks(data, document.Id)));
        Assert.Equal(documents.Sum(document => document.Chunks), KeywordIndex.CountSetChunks(data, Set));

        // Every staged upload was deleted on success, and the originals are kept in PostgreSQL, not on a disk.
        Assert.Empty(await ToListAsync(blobs.ListAsync(LocalBlobStore.UploadsContainer + "/")));
        Assert.Equal(Jobs, (await ToListAsync(blobs.ListAsync("originals/"))).Count);
        Assert.False(Directory.Exists(data.UploadsPath) && Directory.EnumerateFiles(data.UploadsPath, "*", SearchOption.AllDirectories).Any());
        Assert.False(Directory.Exists(data.OriginalsPath) && Directory.EnumerateFiles(data.OriginalsPath, "*", SearchOption.AllDirectories).Any());
    }

    /// <summary>A small Markdown or text document of its own words, a few chunks long.</summary>
    private static (string Name, string Text) GeneratedDocument(int index)
    {
        string[] subjects = ["harbour", "glacier", "orchard", "foundry", "observatory", "monastery", "vineyard", "lighthouse", "quarry"];
        string[] verbs = ["records", "measures", "repairs", "catalogues", "inspects", "ferries", "weighs", "charts"];
        string[] objects = ["tide tables", "copper kettles", "saffron bales", "brass sextants", "cedar barrels", "wool bolts", "salt blocks"];
        var random = new Random(index);
        var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"# Ledger {index} of the {subjects[index % subjects.Length]}\n\n");
        for (var paragraph = 0; paragraph < 4; paragraph++)
        {
            for (var sentence = 0; sentence < 8; sentence++)
            {
                text.Append(CultureInfo.InvariantCulture,
                    $"In season {random.Next(1000, 9999)} the keeper of {subjects[random.Next(subjects.Length)]} {index} {verbs[random.Next(verbs.Length)]} {random.Next(2, 500)} {objects[random.Next(objects.Length)]}. ");
            }

            text.Append("\n\n");
        }

        return (index % 2 == 0 ? $"ledger-{index:00}.md" : $"ledger-{index:00}.txt", text.ToString());
    }

    private static bool IsSuccessOf(string line, IngestionJob job) =>
        line.Contains($"Job {job.Id}: {Set}/{job.DocumentName} ", StringComparison.Ordinal)
        && line.Contains(" chunks, in ", StringComparison.Ordinal);

    private static string[] Lines(QwenRagDaemon worker) => worker.Log.Split('\n');

    private static string Logs(IEnumerable<QwenRagDaemon> workers) => string.Join("\n", workers.Select(worker => worker.Describe()));

    private static async Task<List<T>> ToListAsync<T>(IAsyncEnumerable<T> items)
    {
        var list = new List<T>();
        await foreach (var item in items)
        {
            list.Add(item);
        }

        return list;
    }

    /// <summary>Polls the job's row until <paramref name="condition"/> holds; fails when every <paramref name="alive"/> worker has exited.</summary>
    private static async Task<Lease> WaitForLeaseAsync(
        PostgresDatabase database, string id, IReadOnlyList<QwenRagDaemon> alive, Func<Lease, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var lease = await ReadLeaseAsync(database, id);
            if (condition(lease))
            {
                return lease;
            }

            if (alive.All(worker => worker.HasExited) || clock.Elapsed > Patience)
            {
                Assert.Fail($"the job never got there; it is {lease}\n{Logs(alive)}");
            }

            await Task.Delay(25);
        }
    }

    private static async Task<IReadOnlyList<IngestionJob>> WaitForAllAsync(
        IJobQueue queue, IReadOnlyList<IngestionJob> jobs, IReadOnlyList<QwenRagDaemon> alive, IReadOnlyList<QwenRagDaemon> all)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var current = jobs.Select(job => queue.Find(job.Id)!).ToList();
            if (current.All(job => job.Status is JobStatus.Succeeded or JobStatus.Failed))
            {
                return current;
            }

            if (alive.Any(worker => worker.HasExited) || clock.Elapsed > Patience)
            {
                var waiting = string.Join(", ", current.Where(job => job.Status is not (JobStatus.Succeeded or JobStatus.Failed))
                    .Select(job => $"{job.DocumentName} {job.Status} {job.Progress:P0}"));
                Assert.Fail($"a worker exited, or the jobs took too long; unfinished: {waiting}\n{Logs(all)}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>The job's lease as the database has it, with the database's clock at the moment it was read.</summary>
    private static async Task<Lease> ReadLeaseAsync(PostgresDatabase database, string id)
    {
        await using var connection = await database.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT status, progress, lease_owner, lease_expires_at, clock_timestamp() FROM ingestion_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", id);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync(), $"job {id} is not in the queue");
        return new Lease(
            reader.GetString(0),
            reader.GetDouble(1),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            reader.IsDBNull(3) ? null : reader.GetFieldValue<DateTimeOffset>(3),
            reader.GetFieldValue<DateTimeOffset>(4));
    }

    private sealed record Lease(string Status, double Progress, string? Owner, DateTimeOffset? ExpiresAt, DateTimeOffset Now);
}
