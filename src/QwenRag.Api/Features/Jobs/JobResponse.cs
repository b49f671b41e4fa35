using QwenRag.Ingestion.Jobs;

namespace QwenRag.Api.Features.Jobs;

public sealed record JobResponse(
    string Id,
    string Set,
    string Document,
    string Status,
    double Progress,
    string? Error,
    string? DocumentId,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? NextAttemptAt = null)
{
    public static JobResponse From(IngestionJob job) => new(
        job.Id, job.Set, job.DocumentName, job.Status.ToString().ToLowerInvariant(), Math.Round(job.Progress, 4),
        job.Error, job.DocumentId, job.Attempts, job.CreatedAt, job.UpdatedAt, job.NextAttemptAt);
}
