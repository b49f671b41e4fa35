using System.Diagnostics;
using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using QwenRag.Core;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Vectors;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>The worker over real components (model, SQLite, files), hosted as it is in <c>serve</c> and <c>worker</c>.</summary>
public sealed class WorkerTests : IDisposable
{
    private const string Set = "docs";
    private const long Limit = 100L * 1024 * 1024;
    private static readonly IngestionWorkerOptions Options = new() { PollInterval = TimeSpan.FromMilliseconds(100) };

    /// <summary>Polls and retries transient failures quickly, so that a test sees a requeue and its next attempt.</summary>
    internal static readonly IngestionWorkerOptions FastRetries = new()
    {
        PollInterval = TimeSpan.FromMilliseconds(50),
        RetryDelay = TimeSpan.FromMilliseconds(300),
        MaxRetryDelay = TimeSpan.FromSeconds(1),
    };

    private readonly TemporaryDirectory _directory = new();

    private DataDirectory Data => new(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Worker_CorpusFiles_AllSucceedWithDocumentIdAndFullProgress()
    {
        await using var worker = await RunningWorker.StartAsync(Data, Options);
        string[] names = ["reducing_variance.md", "users-and-groups.html", "libffi-closure-api.html", "systemd-distro-porting.docx"];
        var jobs = new List<IngestionJob>();
        foreach (var name in names)
        {
            await using var file = File.OpenRead(TestCorpus.MixedFile(name));
            jobs.Add(await worker.Queue.EnqueueAsync(Set, name, file, null, ["mixed"], Limit));
        }

        foreach (var job in jobs)
        {
            var done = await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

            Assert.Equal(JobStatus.Succeeded, done.Status);
            Assert.Equal((1.0, 1, null), (done.Progress, done.Attempts, done.Error));
            var entry = worker.Get<IDocumentCatalog>().Find(Set, done.DocumentId!);
            Assert.NotNull(entry);
            Assert.Equal((job.DocumentName, DocumentStatus.Ready), (entry.Name, entry.Status));
            Assert.Equal(["mixed"], entry.Tags);
            Assert.True(entry.Chunks > 0);
            Assert.Equal(entry.Chunks, CountKeywordChunks(entry.Id));
        }

        Assert.Empty(Directory.GetFiles(new DataDirectory(_directory.Path).UploadsPath));
    }

    [Fact]
    public async Task Worker_BadFile_FailedWithErrorThenRetryRunsItAgain()
    {
        await using var worker = await RunningWorker.StartAsync(Data, Options);
        var job = await worker.Queue.EnqueueAsync(
            Set, "broken.pdf", new MemoryStream(Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj << garbage")), "application/pdf", [], Limit);

        var failed = await WaitForAsync(worker.Queue, job.Id, j => j.Status == JobStatus.Failed);

        Assert.StartsWith("broken.pdf:", failed.Error, StringComparison.Ordinal);
        Assert.Null(failed.DocumentId);
        Assert.True(File.Exists(Path.Combine(Data.UploadsPath, job.Id + ".upload")));
        Assert.Empty(worker.Get<IDocumentCatalog>().List(Set));

        Assert.True(worker.Queue.Retry(job.Id));
        var again = await WaitForAsync(worker.Queue, job.Id, j => j.Status == JobStatus.Failed && j.Attempts == 2);
        Assert.Equal(failed.Error, again.Error);
    }

    [Fact]
    public async Task Worker_MoreJobsThanSlots_NeverRunsMoreThanMaxConcurrentJobs()
    {
        var gate = new EmbeddingGate(freeCalls: 0);
        await using var worker = await RunningWorker.StartAsync(Data, Options with { MaxConcurrentJobs = 2 }, gate);
        var jobs = new List<IngestionJob>();
        for (var i = 0; i < 5; i++)
        {
            jobs.Add(await worker.Queue.EnqueueAsync(
                Set, $"note-{i}.md", new MemoryStream(Encoding.UTF8.GetBytes($"# Note {i}\n\nThe harbour master logs tide {i}.")), null, [], Limit));
        }

        var maxRunning = 0;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                maxRunning = Math.Max(maxRunning, worker.Queue.List(status: JobStatus.Running).Count);
                await Task.Delay(10);
            }
        });

        await WaitUntilAsync(() => worker.Queue.List(status: JobStatus.Running).Count == 2);
        await Task.Delay(500);
        Assert.Equal(2, worker.Queue.List(status: JobStatus.Running).Count);
        Assert.Equal(3, worker.Queue.List(status: JobStatus.Queued).Count);

        gate.Open();
        foreach (var job in jobs)
        {
            Assert.Equal(JobStatus.Succeeded, (await WaitForAsync(worker.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed)).Status);
        }

        await sampling.CancelAsync();
        await sampler;
        Assert.Equal(2, maxRunning);
    }

    [Fact]
    public async Task Worker_JobQueuedByAnotherProcess_PickedUpByPolling()
    {
        await using var worker = await RunningWorker.StartAsync(Data, Options);
        var elsewhere = new IngestionJobQueue(Data); // another process's queue: its Enqueued event never reaches this worker

        await using var file = File.OpenRead(TestCorpus.MixedFile("reducing_variance.md"));
        var job = await elsewhere.EnqueueAsync(Set, "reducing_variance.md", file, "text/markdown", [], Limit);

        var done = await WaitForAsync(elsewhere, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
        Assert.Equal(JobStatus.Succeeded, done.Status);
    }

    [Fact]
    public async Task Worker_StoppedMidJob_JobLeftRunningThenNextWorkerFinishesItWithoutDuplicateChunks()
    {
        var gate = new EmbeddingGate(freeCalls: 1);
        string jobId;
        int partial;
        await using (var first = await RunningWorker.StartAsync(Data, Options, gate))
        {
            await using var file = File.OpenRead(TestCorpus.Pdf("yarn.pdf"));
            jobId = (await first.Queue.EnqueueAsync(Set, "yarn.pdf", file, "application/pdf", [], Limit)).Id;
            await gate.Blocked.WaitAsync(TimeSpan.FromMinutes(2));

            await first.StopAsync();

            var stopped = first.Queue.Find(jobId)!;
            Assert.Equal(JobStatus.Running, stopped.Status);
            Assert.InRange(stopped.Progress, 0.1, 0.99);
            var interrupted = Assert.Single(first.Get<IDocumentCatalog>().ListInterrupted());
            partial = CountKeywordChunks(interrupted.Id);
        }

        // Same process, new worker: the stopped one is recognised as gone, so the job is not left to its lease.
        await using var second = await RunningWorker.StartAsync(Data, Options with { LeaseDuration = TimeSpan.FromMinutes(10) });
        var done = await WaitForAsync(second.Queue, jobId, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);

        Assert.Equal((JobStatus.Succeeded, 2, 1.0), (done.Status, done.Attempts, done.Progress));
        var entry = second.Get<IDocumentCatalog>().Find(Set, done.DocumentId!)!;
        Assert.Equal(DocumentStatus.Ready, entry.Status);
        Assert.InRange(partial, 1, entry.Chunks - 1);
        Assert.Equal(entry.Chunks, second.Get<EmbeddedVectorStore>().Count(Set));
        Assert.Equal(entry.Chunks, CountKeywordChunks(entry.Id));
    }

    [Fact]
    public void AddIngestionWorker_InvalidOptions_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new ServiceCollection().AddIngestionWorker(new IngestionWorkerOptions { MaxConcurrentJobs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(
            () => new ServiceCollection().AddIngestionWorker(new IngestionWorkerOptions { LeaseDuration = TimeSpan.Zero }));
    }

    private int CountKeywordChunks(string documentId)
    {
        using var connection = new SqliteConnection($"Data Source={Data.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM keyword_chunks WHERE document_id = $id";
        command.Parameters.AddWithValue("$id", documentId);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    internal static async Task<IngestionJob> WaitForAsync(
        IJobQueue queue, string id, Func<IngestionJob, bool> condition)
    {
        IngestionJob? job = null;
        await WaitUntilAsync(() => (job = queue.Find(id)) is { } found && condition(found), () => $"job {id}: {job}");
        return job!;
    }

    internal static async Task WaitUntilAsync(Func<bool> condition, Func<string>? describe = null)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(2))
            {
                throw new TimeoutException(describe?.Invoke() ?? "condition not met in 2 minutes");
            }

            await Task.Delay(25);
        }
    }

    /// <summary>The services of <c>serve</c>/<c>worker</c> with the worker started, over one data directory.</summary>
    internal sealed class RunningWorker : IAsyncDisposable
    {
        private readonly ServiceProvider _services;
        private readonly IHostedService[] _hosted;
        private bool _stopped;

        private RunningWorker(ServiceProvider services)
        {
            _services = services;
            _hosted = services.GetServices<IHostedService>().ToArray();
        }

        public IJobQueue Queue => Get<IJobQueue>();

        public static async Task<RunningWorker> StartAsync(
            DataDirectory data, IngestionWorkerOptions options, EmbeddingGate? gate = null, Action<IServiceCollection>? configure = null)
        {
            var services = new ServiceCollection().AddLogging().AddQwenRag(data).AddIngestionWorker(options);
            configure?.Invoke(services);
            if (gate is not null)
            {
                services.AddSingleton<IEmbeddingGenerator<string, Embedding<float>>>(
                    provider => new GatedEmbeddingGenerator(provider.GetRequiredService<EmbeddingModels>().Open(EmbeddingOptions.DefaultModel, Core.Models.EmbeddingRole.Document, null), gate));
            }

            var worker = new RunningWorker(services.BuildServiceProvider());
            Assert.Single(worker._hosted.OfType<IngestionWorker>());
            foreach (var hosted in worker._hosted)
            {
                await hosted.StartAsync(CancellationToken.None);
            }

            return worker;
        }

        public T Get<T>()
            where T : notnull => _services.GetRequiredService<T>();

        public async Task StopAsync()
        {
            _stopped = true;
            foreach (var hosted in _hosted)
            {
                await hosted.StopAsync(CancellationToken.None);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (!_stopped)
            {
                await StopAsync();
            }

            await _services.DisposeAsync();
        }
    }

    /// <summary>Lets a number of embedding calls through, then holds the rest until opened (or cancelled).</summary>
    internal sealed class EmbeddingGate(int freeCalls)
    {
        private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _blocked = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _calls;

        public Task Blocked => _blocked.Task;

        public void Open() => _open.TrySetResult();

        public async Task PassAsync(CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) > freeCalls)
            {
                _blocked.TrySetResult();
                await _open.Task.WaitAsync(cancellationToken);
            }
        }
    }

    private sealed class GatedEmbeddingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, EmbeddingGate gate)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public override async Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            await gate.PassAsync(cancellationToken);
            return await base.GenerateAsync(values, options, cancellationToken);
        }
    }
}
