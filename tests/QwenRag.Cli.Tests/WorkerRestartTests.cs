using System.Diagnostics;
using Npgsql;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Retrieval.Vectors;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// <c>qwenrag worker</c> as real processes: one is killed in the middle of a job, the next one (or, over PostgreSQL,
/// another one running beside it) finishes it, and every index ends up with exactly one copy of each chunk.
/// </summary>
public sealed class WorkerRestartTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "papers";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Worker_KilledMidJobAndRestarted_FinishesWithExactlyOneCopyOfEachChunk()
    {
        var data = new DataDirectory(_directory.Path);
        var queue = new IngestionJobQueue(data);
        IngestionJob job;
        await using (var file = File.OpenRead(TestCorpus.Pdf("yarn.pdf")))
        {
            job = await queue.EnqueueAsync(Set, "yarn.pdf", file, "application/pdf", [], 100L * 1024 * 1024);
        }

        using (var first = QwenRagDaemon.Worker(data.Root))
        {
            var started = await WaitForAsync(queue, job.Id, first, j => j.Progress >= 0.2 || j.Status is not (JobStatus.Queued or JobStatus.Running));
            first.Kill();
            Assert.Equal(JobStatus.Running, started.Status);
        }

        var killed = queue.Find(job.Id)!;
        Assert.Equal((JobStatus.Running, 1), (killed.Status, killed.Attempts));
        var interrupted = Assert.Single(new DocumentCatalog(data).ListInterrupted());
        var partial = KeywordIndex.CountChunks(data, interrupted.Id);
        using (var vectors = new EmbeddedVectorStore(data))
        {
            Assert.True(vectors.Count(Set) > 0);
        }

        IngestionJob done;
        using (var second = QwenRagDaemon.Worker(data.Root))
        {
            done = await WaitForAsync(queue, job.Id, second, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
            second.Kill();
        }

        Assert.Equal((JobStatus.Succeeded, 2, 1.0, null), (done.Status, done.Attempts, done.Progress, done.Error));
        Assert.Equal(interrupted.Id, done.DocumentId);
        var entry = new DocumentCatalog(data).Find(Set, interrupted.Id)!;
        Assert.Equal(DocumentStatus.Ready, entry.Status);
        Assert.InRange(partial, 1, entry.Chunks - 1);
        using (var vectors = new EmbeddedVectorStore(data))
        {
            Assert.Equal(entry.Chunks, vectors.Count(Set));
        }

        Assert.Equal(entry.Chunks, KeywordIndex.CountChunks(data, entry.Id));
        Assert.Empty(Directory.GetFiles(data.UploadsPath));
    }

    [PostgresFact]
    public async Task Workers_TwoOverOnePostgresOneKilledMidJob_EveryJobSucceedsOnceAndNoDocumentIsDuplicated()
    {
        var connectionString = cluster.CreateDatabase();
        var data = new DataDirectory(_directory.Path);
        await using var database = new PostgresDatabase(new PostgresOptions { ConnectionString = connectionString });
        await using var queue = new PostgresJobQueue(database, new StagedUploads(data));
        string[] mixed = ["reducing_variance.md", "users-and-groups.html", "libffi-closure-api.html", "systemd-distro-porting.docx"];
        var jobs = new List<IngestionJob>();
        await using (var file = File.OpenRead(TestCorpus.Pdf("yarn.pdf")))
        {
            jobs.Add(await queue.EnqueueAsync(Set, "yarn.pdf", file, "application/pdf", [], 100L * 1024 * 1024));
        }

        foreach (var name in mixed)
        {
            await using var file = File.OpenRead(TestCorpus.MixedFile(name));
            jobs.Add(await queue.EnqueueAsync(Set, name, file, null, [], 100L * 1024 * 1024));
        }

        string[] arguments = ["--postgres", connectionString, "--lease-seconds", "5"];
        using var first = QwenRagDaemon.Worker(data.Root, arguments);
        using var second = QwenRagDaemon.Worker(data.Root, arguments);
        var yarn = jobs[0].Id;
        await WaitForAsync(queue, yarn, first, j => j.Progress >= 0.2 || j.Status is not (JobStatus.Queued or JobStatus.Running));

        // Kill (SIGKILL) whichever process holds the PDF's lease, in the middle of it.
        var owner = WorkerIdentityOf(connectionString, yarn);
        var (victim, survivor) = owner.Pid == first.Id ? (first, second) : (second, first);
        Assert.True(owner.Pid == victim.Id, $"the lease owner {owner} is neither worker");
        victim.Kill();

        foreach (var job in jobs)
        {
            var done = await WaitForAsync(queue, job.Id, survivor, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
            Assert.Equal((JobStatus.Succeeded, null), (done.Status, done.Error));
            Assert.Equal(job.Id == yarn ? 2 : 1, done.Attempts);
        }

        var documents = new PostgresDocumentCatalog(database).List(Set);
        Assert.Equal(jobs.Select(job => job.DocumentName).Order(), documents.Select(document => document.Name).Order());
        Assert.All(documents, document => Assert.Equal(DocumentStatus.Ready, document.Status));
        using (var vectors = new EmbeddedVectorStore(data))
        {
            Assert.Equal(documents.Sum(document => document.Chunks), vectors.Count(Set));
        }

        Assert.All(documents, document => Assert.Equal(document.Chunks, KeywordIndex.CountChunks(data, document.Id)));
    }

    private static (string Owner, int Pid) WorkerIdentityOf(string connectionString, string jobId)
    {
        using var connection = new NpgsqlConnection(connectionString);
        connection.Open();
        using var command = new NpgsqlCommand("SELECT lease_owner FROM ingestion_jobs WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", jobId);
        var owner = (string)command.ExecuteScalar()!;
        return (owner, WorkerIdentity.TryParse(owner)!.ProcessId);
    }

    private static async Task<IngestionJob> WaitForAsync(
        IJobQueue queue, string id, QwenRagDaemon worker, Func<IngestionJob, bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var job = queue.Find(id)!;
            if (condition(job))
            {
                return job;
            }

            if (worker.HasExited)
            {
                Assert.Fail($"the worker exited with {worker.ExitCode}; job {job}:\n{worker.Log}");
            }

            if (clock.Elapsed > TimeSpan.FromMinutes(3))
            {
                Assert.Fail($"timed out; job {job}:\n{worker.Log}");
            }

            await Task.Delay(20);
        }
    }
}
