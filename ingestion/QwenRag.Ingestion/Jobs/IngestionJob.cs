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
    DateTimeOffset UpdatedAt);
