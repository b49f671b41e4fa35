namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// One uploaded document on its way into a set. <see cref="Attempts"/> counts how often a worker has started it
/// (a worker killed mid-job, then a rerun, makes two); <see cref="Progress"/> runs from 0 to 1 and reaches 1
/// only when the job has succeeded.
/// </summary>
public sealed record IngestionJob(
    string Id,
    string Set,
    string DocumentName,
    string? ContentType,
    IReadOnlyList<string> Tags,
    JobStatus Status,
    double Progress,
    string? Error,
    string? DocumentId,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>
    /// Attempts that ended in a transient failure (disk full, database locked, store unreachable); while the job is
    /// queued again, <see cref="Error"/> keeps the last one's message.
    /// </summary>
    public int TransientFailures { get; init; }

    /// <summary>When a job queued again after a transient failure may next be claimed; null: at once.</summary>
    public DateTimeOffset? NextAttemptAt { get; init; }

    /// <summary>
    /// The W3C traceparent of the request that queued (or retried) the job, so that the worker's span continues that
    /// trace on whichever machine it runs; null when the request was not traced.
    /// </summary>
    public string? TraceParent { get; init; }
}
