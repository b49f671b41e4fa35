using System.Diagnostics;
using Microsoft.Extensions.Logging;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Hosting.Worker;

/// <summary>
/// A worker's hold on one running job: a heartbeat renews the lease every third of its duration (extraction of a
/// large PDF reports no progress for a while), and progress reports are written at most every 250 ms unless they
/// moved 5%. When the lease turns out to be lost the job's cancellation is triggered, so two workers never keep
/// indexing the same document. Reports never throw: an exception there would fail the ingestion.
/// </summary>
internal sealed partial class JobLease : IProgress<IngestionProgress>, IAsyncDisposable
{
    private static readonly TimeSpan MinimumWriteInterval = TimeSpan.FromMilliseconds(250);
    private const double MinimumWriteStep = 0.05;

    // Progress reaches 1 only when the job is marked succeeded.
    private const double MaximumRunningProgress = 0.99;

    private readonly IJobQueue _queue;
    private readonly string _jobId;
    private readonly string _worker;
    private readonly TimeSpan _duration;
    private readonly CancellationTokenSource _job;
    private readonly ILogger _logger;
    private readonly RepeatedErrorFilter _repeatedErrors;
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _heartbeat;
    private double _reported;
    private double _written = -1;
    private long _writtenAt;

    public JobLease(
        IJobQueue queue,
        string jobId,
        string worker,
        TimeSpan duration,
        CancellationTokenSource job,
        ILogger logger,
        RepeatedErrorFilter repeatedErrors)
    {
        _repeatedErrors = repeatedErrors;
        _queue = queue;
        _jobId = jobId;
        _worker = worker;
        _duration = duration;
        _job = job;
        _logger = logger;
        _heartbeat = BeatAsync(_stop.Token);
    }

    /// <summary>Whether another worker took the job over; the job's cancellation has been triggered.</summary>
    public bool Lost { get; private set; }

    public void Report(IngestionProgress value)
    {
        lock (_gate)
        {
            _reported = Math.Clamp(value.Fraction, 0, MaximumRunningProgress);
            if (_reported - _written >= MinimumWriteStep
                || (_reported != _written && Stopwatch.GetElapsedTime(_writtenAt) >= MinimumWriteInterval))
            {
                Write();
            }
        }
    }

    /// <summary>Stops the heartbeat; the lease itself ends when the job is completed or failed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }

        await _heartbeat;
        _stop.Dispose();
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_duration / 3);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                lock (_gate)
                {
                    Write();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // stopped
        }
    }

    private void Write()
    {
        if (Lost)
        {
            return;
        }

        try
        {
            if (_queue.RenewLease(_jobId, _worker, _duration, _reported))
            {
                _written = _reported;
                _writtenAt = Stopwatch.GetTimestamp();
                return;
            }

            Lost = true;
            LogLeaseLost(_jobId);
            _job.Cancel();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The database was busy or unreachable: the next report or beat tries again, within the lease.
            if (_repeatedErrors.ShouldLog(ex, out var suppressed))
            {
                LogRenewFailed(ex, _jobId, suppressed);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Job {JobId} was taken over by another worker after its lease lapsed; stopping it here")]
    private partial void LogLeaseLost(string jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not renew the lease on job {JobId}; retrying ({Suppressed} identical errors not logged since the last)")]
    private partial void LogRenewFailed(Exception exception, string jobId, int suppressed);
}
