namespace QwenRag.Hosting.Worker;

/// <summary>The ingestion worker's settings, bound from <c>QwenRag:Worker</c>.</summary>
public sealed record IngestionWorkerOptions
{
    public const string SectionName = "QwenRag:Worker";

    /// <summary>
    /// Jobs claimed at once. The ingestor indexes one document at a time per process, so more than one mainly
    /// overlaps reading staged uploads with indexing; separate worker processes are what add throughput.
    /// </summary>
    public int MaxConcurrentJobs { get; init; } = 1;

    /// <summary>How long a claimed job stays reserved without a heartbeat before another worker may take it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for jobs queued by other processes, and for abandoned ones.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Times a job's worker may vanish (crash, kill) before the job fails instead of being queued again.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>
    /// Attempts that may end in a transient failure (disk full, database locked, store unreachable) before the job
    /// fails with the last one's error. With the default delays, 20 attempts span about two hours.
    /// </summary>
    public int MaxTransientAttempts { get; init; } = 20;

    /// <summary>The wait before the first retry after a transient failure; each further one doubles it.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The longest wait between retries.</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>How long the staged upload of a failed job is kept for a retry.</summary>
    public TimeSpan FailedUploadRetention { get; init; } = TimeSpan.FromDays(7);

    /// <summary>
    /// The machine part of this worker's identity (<see cref="WorkerIdentity"/>); null for the host name. A worker
    /// judges leases held on its own machine by whether their process is alive, so set a distinct name where
    /// processes that share a host name do not share a process table (replicas of a container given one fixed
    /// hostname): there a live worker's job would otherwise be taken over at once.
    /// </summary>
    public string? MachineName { get; init; }

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentJobs, 1, nameof(MaxConcurrentJobs));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTransientAttempts, 1, nameof(MaxTransientAttempts));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(RetryDelay, TimeSpan.Zero, nameof(RetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxRetryDelay, RetryDelay, nameof(MaxRetryDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(FailedUploadRetention, TimeSpan.Zero, nameof(FailedUploadRetention));
        if (MachineName is not null && string.IsNullOrWhiteSpace(MachineName))
        {
            throw new ArgumentException("The machine name must not be blank; leave it unset for the host name.", nameof(MachineName));
        }
    }
}
