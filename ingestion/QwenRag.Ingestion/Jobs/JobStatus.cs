namespace QwenRag.Ingestion.Jobs;

public enum JobStatus
{
    /// <summary>Accepted and staged on disk; waiting for a worker.</summary>
    Queued,

    /// <summary>Claimed by a worker, which holds a lease on it that its heartbeat renews.</summary>
    Running,

    /// <summary>The document is in every index; <see cref="IngestionJob.DocumentId"/> names it.</summary>
    Succeeded,

    /// <summary>The document was rejected or indexing failed; <see cref="IngestionJob.Error"/> says why.</summary>
    Failed,
}
