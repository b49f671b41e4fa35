using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Hosting.Worker;

/// <summary>
/// Takes jobs from the <see cref="IJobQueue"/> and ingests their staged uploads, at most
/// <see cref="IngestionWorkerOptions.MaxConcurrentJobs"/> at a time. Woken by <see cref="IJobQueue.Enqueued"/>
/// for jobs queued in this process and by polling for the others. A job is left running when the worker stops
/// (shutdown, crash, kill): its lease lapses, or its dead owner is recognised, and it is queued again; the ingestor
/// then redoes the document with the same chunk ids, so no chunk is ever written twice.
/// The ingestor reports how a document failed and the worker decides (<see cref="IngestionFailureClassifier"/>):
/// a rejected document or a bug fails the job at once; a passing failure (disk full, database locked, store
/// unreachable) queues it again after a capped exponential backoff, until
/// <see cref="IngestionWorkerOptions.MaxTransientAttempts"/>. When even recording the outcome fails (a full disk
/// refuses the queue's own write) the worker keeps the lease and tries again, so the job is never left running.
/// </summary>
public sealed partial class IngestionWorker : BackgroundService
{
    // Uploads staged by a process that died before it could queue them.
    private static readonly TimeSpan OrphanUploadAge = TimeSpan.FromHours(1);
    private static readonly TimeSpan PruneInterval = TimeSpan.FromHours(1);

    // Identical errors (a full disk seen by every poll) are logged once a minute with a count.
    private static readonly TimeSpan RepeatedErrorInterval = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan FirstRecordRetry = TimeSpan.FromMilliseconds(200);

    private readonly IJobQueue _queue;
    private readonly DocumentIngestor _ingestor;
    private readonly IngestionWorkerOptions _options;
    private readonly ILogger<IngestionWorker> _logger;
    private readonly IngestionFailureClassifier _classifier;
    private readonly RepeatedErrorFilter _repeatedErrors = new(RepeatedErrorInterval);
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly SemaphoreSlim _slots;

    public IngestionWorker(
        IJobQueue queue,
        DocumentIngestor ingestor,
        IngestionWorkerOptions options,
        ILogger<IngestionWorker> logger,
        IngestionFailureClassifier? classifier = null)
    {
        options.Validate();
        _queue = queue;
        _ingestor = ingestor;
        _options = options;
        _logger = logger;
        _classifier = classifier ?? IngestionFailureClassifier.Default;
        _slots = new SemaphoreSlim(options.MaxConcurrentJobs, options.MaxConcurrentJobs);
        Identity = WorkerIdentity.ForThisProcess(options.MachineName);
    }

    /// <summary>The owner this worker writes into the leases it takes.</summary>
    public WorkerIdentity Identity { get; }

    public override void Dispose()
    {
        base.Dispose();
        _wake.Dispose();
        _slots.Dispose();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        Identity.MarkRunning();
        LogStarted(Identity.ToString(), _options.MaxConcurrentJobs);
        var running = new List<Task>();
        var resumed = false;
        var prunedAt = Stopwatch.GetTimestamp();
        _queue.Enqueued += OnEnqueued;
        try
        {
            Recover();
            Prune();
            while (!stoppingToken.IsCancellationRequested)
            {
                await _slots.WaitAsync(stoppingToken);
                running.RemoveAll(task => task.IsCompleted);
                var job = TryClaim();
                if (job is not null)
                {
                    running.Add(Task.Run(() => RunAsync(job, stoppingToken), CancellationToken.None));
                    continue;
                }

                _slots.Release();

                // Documents interrupted outside any job (a killed `qwenrag ingest`) are redone once the queue is
                // idle; redone earlier, the ones a requeued job is about to redo would be indexed twice.
                if (!resumed && running.Count == 0 && IsQueueIdle())
                {
                    resumed = true;
                    await ResumeInterruptedAsync(stoppingToken);
                    continue;
                }

                await _wake.WaitAsync(_options.PollInterval, stoppingToken);
                Recover();
                if (Stopwatch.GetElapsedTime(prunedAt) >= PruneInterval)
                {
                    prunedAt = Stopwatch.GetTimestamp();
                    Prune();
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            _queue.Enqueued -= OnEnqueued;
            await Task.WhenAll(running);
            Identity.MarkStopped();
            LogStopped(Identity.ToString());
        }
    }

    private void OnEnqueued()
    {
        try
        {
            if (_wake.CurrentCount == 0)
            {
                _wake.Release();
            }
        }
        catch (Exception ex) when (ex is SemaphoreFullException or ObjectDisposedException)
        {
            // already awake, or gone
        }
    }

    private IngestionJob? TryClaim()
    {
        try
        {
            return _queue.TryClaim(Identity.ToString(), _options.LeaseDuration);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogQueueError(ex);
            return null;
        }
    }

    private async Task RunAsync(IngestionJob job, CancellationToken stoppingToken)
    {
        try
        {
            await ProcessAsync(job, stoppingToken);
        }
        finally
        {
            _slots.Release();
        }
    }

    private async Task ProcessAsync(IngestionJob job, CancellationToken stoppingToken)
    {
        var owner = Identity.ToString();
        var started = Stopwatch.GetTimestamp();

        // A child of the upload's span, on whichever machine the job runs: one trace from upload to index.
        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(
            QwenRagTelemetry.JobSpan, ActivityKind.Consumer, QwenRagTelemetry.ParseTraceParent(job.TraceParent))
            ?.SetTag(QwenRagTelemetry.JobIdTag, job.Id)
            .SetTag(QwenRagTelemetry.SetTag, job.Set)
            .SetTag(QwenRagTelemetry.DocumentTag, job.DocumentName)
            .SetTag(QwenRagTelemetry.JobAttemptTag, job.Attempts);
        LogClaimed(job.Id, job.Set, job.DocumentName, job.Attempts);
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var lease = new JobLease(_queue, job.Id, owner, _options.LeaseDuration, cancellation, _logger, _repeatedErrors);
        try
        {
            var outcome = await IngestAsync(job, lease, cancellation.Token);
            activity?.SetTag(QwenRagTelemetry.OutcomeTag, outcome.Status.ToString())
                .SetTag(QwenRagTelemetry.DocumentIdTag, outcome.DocumentId)
                .SetTag(QwenRagTelemetry.ChunksTag, outcome.Chunks);
            if (!outcome.Succeeded)
            {
                activity?.SetStatus(ActivityStatusCode.Error, outcome.Error);
            }

            // The heartbeat keeps running until the outcome is recorded: if the queue refuses the write (a full
            // disk), the job stays ours while we try again, instead of lapsing with its error unrecorded.
            var recorded = outcome.Succeeded
                ? await RecordAsync(() => _queue.Complete(job.Id, owner, outcome.DocumentId!), cancellation.Token)
                : await RecordFailureAsync(job, owner, outcome, cancellation.Token);
            if (!recorded)
            {
                LogLeaseLostAtEnd(job.Id);
            }
            else if (outcome.Succeeded)
            {
                LogSucceeded(job.Id, job.Set, job.DocumentName, outcome.Status, outcome.Chunks, Stopwatch.GetElapsedTime(started).TotalSeconds);
            }
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
            // Left running on purpose: whoever recovers it redoes the document from its staged upload.
            if (!lease.Lost)
            {
                LogInterrupted(job.Id, job.DocumentName);
            }
        }
        finally
        {
            await lease.DisposeAsync();
        }
    }

    private async Task<IngestionOutcome> IngestAsync(IngestionJob job, JobLease lease, CancellationToken cancellationToken)
    {
        try
        {
            await using var staged = await _queue.Uploads.OpenReadAsync(job.Id, cancellationToken);
            return await _ingestor.IngestAsync(
                job.Set, job.DocumentName, staged, job.Tags, lease, cancellationToken, job.ContentType);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return new IngestionOutcome(
                job.DocumentName, IngestionStatus.Failed, Error: $"{job.DocumentName}: the uploaded file is no longer available; upload it again.");
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            return new IngestionOutcome(
                job.DocumentName, IngestionStatus.Failed, Error: $"{job.DocumentName}: ingestion failed: {ex.Message}", Cause: ex);
        }
    }

    /// <summary>Fails the job, or queues it again for later when the failure may pass. False when the job is no longer ours.</summary>
    private async Task<bool> RecordFailureAsync(IngestionJob job, string owner, IngestionOutcome outcome, CancellationToken cancellationToken)
    {
        var error = outcome.Error ?? $"{job.DocumentName}: ingestion failed";
        var kind = _classifier.Classify(outcome.Cause);
        if (kind == IngestionFailureKind.Transient)
        {
            var failures = job.TransientFailures + 1;
            if (failures < _options.MaxTransientAttempts)
            {
                var next = DateTimeOffset.UtcNow + RetryBackoff.Delay(failures, _options.RetryDelay, _options.MaxRetryDelay);
                var requeued = await RecordAsync(() => _queue.Requeue(job.Id, owner, error, next), cancellationToken);
                if (requeued)
                {
                    LogRetrying(job.Id, job.Set, job.DocumentName, failures, _options.MaxTransientAttempts, next, error);
                }

                return requeued;
            }

            error = $"{error} (gave up after {failures} attempts that failed this way)";
        }

        var failed = await RecordAsync(() => _queue.Fail(job.Id, owner, error), cancellationToken);
        if (failed && kind == IngestionFailureKind.Unexpected)
        {
            LogJobError(outcome.Cause!, job.Id, job.DocumentName);
        }
        else if (failed)
        {
            LogFailed(job.Id, job.Set, job.DocumentName, error);
        }

        return failed;
    }

    /// <summary>
    /// Writes an outcome to the queue, trying again with backoff (up to a third of the lease, the heartbeat's own
    /// pace) for as long as the write fails; identical errors are logged once a minute. Returns what the write
    /// returned: false when another worker had taken the job over.
    /// </summary>
    private async Task<bool> RecordAsync(Func<bool> record, CancellationToken cancellationToken)
    {
        var maximum = _options.LeaseDuration / 3 > FirstRecordRetry ? _options.LeaseDuration / 3 : FirstRecordRetry;
        for (var retry = 1; ; retry++)
        {
            try
            {
                return record();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                LogQueueError(ex);
            }

            await Task.Delay(RetryBackoff.Delay(retry, FirstRecordRetry, maximum), cancellationToken);
        }
    }

    private bool IsQueueIdle()
    {
        try
        {
            return !_queue.HasUnfinishedJobs();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogQueueError(ex);
            return false;
        }
    }

    private void Recover()
    {
        try
        {
            foreach (var job in _queue.RecoverAbandoned(owner => WorkerIdentity.IsDeadOn(Identity.Machine, owner), _options.MaxAttempts))
            {
                if (job.Status == JobStatus.Failed)
                {
                    LogGaveUp(job.Id, job.DocumentName, job.Attempts);
                }
                else
                {
                    LogRequeued(job.Id, job.DocumentName, job.Attempts);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogQueueError(ex);
        }
    }

    private void Prune()
    {
        try
        {
            _queue.PruneStagedUploads(_options.FailedUploadRetention, OrphanUploadAge);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            LogQueueError(ex);
        }
    }

    private async Task ResumeInterruptedAsync(CancellationToken cancellationToken)
    {
        try
        {
            foreach (var outcome in await _ingestor.ResumeInterruptedAsync(cancellationToken: cancellationToken))
            {
                LogResumed(outcome.DocumentName, outcome.Status);
            }
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            LogResumeFailed(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingestion worker {Worker} started, up to {MaxConcurrentJobs} jobs at a time")]
    private partial void LogStarted(string worker, int maxConcurrentJobs);

    [LoggerMessage(Level = LogLevel.Information, Message = "Ingestion worker {Worker} stopped")]
    private partial void LogStopped(string worker);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: ingesting {Set}/{Name} (attempt {Attempt})")]
    private partial void LogClaimed(string jobId, string set, string name, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Set}/{Name} {Status}, {Chunks} chunks, in {Seconds:F1} s")]
    private partial void LogSucceeded(string jobId, string set, string name, IngestionStatus status, int chunks, double seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Set}/{Name} failed: {Error}")]
    private partial void LogFailed(string jobId, string set, string name, string? error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Job {JobId}: {Name} failed unexpectedly; failed at once, since waiting does not fix a bug (retry the job once it is fixed)")]
    private partial void LogJobError(Exception exception, string jobId, string name);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Name} interrupted by shutdown; it resumes when a worker next recovers it")]
    private partial void LogInterrupted(string jobId, string name);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} finished here but another worker had taken it over; its result was not recorded")]
    private partial void LogLeaseLostAtEnd(string jobId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Job {JobId}: {Name} was abandoned by its worker; queued again (attempts so far: {Attempts})")]
    private partial void LogRequeued(string jobId, string name, int attempts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Name} was abandoned {Attempts} times; marked failed")]
    private partial void LogGaveUp(string jobId, string name, int attempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Resumed interrupted document {Name}: {Status}")]
    private partial void LogResumed(string name, IngestionStatus status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Resuming interrupted documents failed")]
    private partial void LogResumeFailed(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The job queue could not be read or updated; trying again")]
    private partial void LogQueueErrorFirst(Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "The job queue could not be read or updated; trying again ({Suppressed} identical errors not logged since the last)")]
    private partial void LogQueueErrorRepeated(Exception exception, int suppressed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId}: {Set}/{Name} failed for a passing reason (attempt {Failures} of {MaxAttempts}); queued again for {NextAttemptAt:O}: {Error}")]
    private partial void LogRetrying(string jobId, string set, string name, int failures, int maxAttempts, DateTimeOffset nextAttemptAt, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Reason}; trying again ({Suppressed} identical errors not logged since the last)")]
    private partial void LogQueueUnavailable(string reason, int suppressed);

    private void LogQueueError(Exception exception)
    {
        if (!_repeatedErrors.ShouldLog(exception, out var suppressed))
        {
            return;
        }

        if (exception is CatalogUnavailableException)
        {
            // An outage, not a bug: its message says where the database is and why it failed; no stack trace.
            LogQueueUnavailable(exception.Message, suppressed);
        }
        else if (suppressed > 0)
        {
            LogQueueErrorRepeated(exception, suppressed);
        }
        else
        {
            LogQueueErrorFirst(exception);
        }
    }
}
