namespace QwenRag.Hosting.Worker;

public sealed record IngestionWorkerOptions
{
    /// <summary>
    /// Jobs claimed at once. The ingestor indexes one document at a time per process, so more than one mainly
    /// overlaps reading staged uploads with indexing; separate worker processes are what add throughput.
    /// </summary>
    public int MaxConcurrentJobs { get; init; } = 1;

    /// <summary>How long a claimed job stays reserved without a heartbeat before another worker may take it over.</summary>
    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for jobs queued by other processes, and for abandoned ones.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Starts after which a job whose worker keeps vanishing fails instead of being queued again.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>How long the staged upload of a failed job is kept for a retry.</summary>
    public TimeSpan FailedUploadRetention { get; init; } = TimeSpan.FromDays(7);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxConcurrentJobs, 1, nameof(MaxConcurrentJobs));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(LeaseDuration, TimeSpan.Zero, nameof(LeaseDuration));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(PollInterval, TimeSpan.Zero, nameof(PollInterval));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxAttempts, 1, nameof(MaxAttempts));
    }
}
