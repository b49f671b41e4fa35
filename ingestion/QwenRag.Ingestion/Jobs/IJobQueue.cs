using QwenRag.Core;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// The durable queue of ingestion jobs: <see cref="IngestionJobQueue"/> in the data directory's SQLite file, or
/// <see cref="Postgres.PostgresJobQueue"/> shared by workers on any number of machines. Uploads are kept by
/// <see cref="Uploads"/>; a job is only recorded once its upload is stored. Workers claim a job with a lease, renew
/// it while they work, and record the outcome only while they still hold it, so a job succeeds exactly once. A store
/// that cannot be reached throws <see cref="CatalogUnavailableException"/>.
/// </summary>
public interface IJobQueue
{
    /// <summary>Where the jobs' uploads wait for a worker.</summary>
    StagedUploads Uploads { get; }

    /// <summary>
    /// Raised after a job was queued (or re-queued by <see cref="Retry"/>), to wake workers: in this process, and with
    /// PostgreSQL in every process listening to the same database. Workers poll as well, so a missed one only delays.
    /// </summary>
    event Action? Enqueued;

    /// <summary>
    /// Queues the files of one upload all or nothing: every file is staged first, then all the jobs are recorded in
    /// one transaction as <see cref="JobStatus.Queued"/>. On any failure every staged file is deleted and no job is recorded.
    /// </summary>
    /// <exception cref="DocumentRejectedException">An upload is larger than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="StorageFullException">The disk is full; nothing is kept.</exception>
    /// <exception cref="ArgumentException">The set name is invalid, or there is no file.</exception>
    Task<IReadOnlyList<IngestionJob>> EnqueueAsync(
        string set,
        IReadOnlyList<UploadToQueue> files,
        IReadOnlyList<string> tags,
        long maxBytes,
        CancellationToken cancellationToken = default);

    IngestionJob? Find(string id);

    /// <summary>Jobs, newest first, optionally of one set and in one status.</summary>
    IReadOnlyList<IngestionJob> List(string? set = null, JobStatus? status = null, int limit = 100);

    /// <summary>Whether any job is queued or running, in any process.</summary>
    bool HasUnfinishedJobs();

    /// <summary>
    /// Puts a failed job back in the queue, its error cleared, its attempts kept and its transient failures counted
    /// from zero. False when the job is not <see cref="JobStatus.Failed"/> or its staged upload is gone.
    /// </summary>
    bool Retry(string id);

    /// <summary>
    /// Atomically takes the oldest queued job that is due: it becomes <see cref="JobStatus.Running"/>, owned by
    /// <paramref name="worker"/> until <paramref name="lease"/> from now, with one more attempt. Null when none is due.
    /// </summary>
    IngestionJob? TryClaim(string worker, TimeSpan lease);

    /// <summary>
    /// Extends <paramref name="worker"/>'s lease on a running job, recording its progress when given. False when the
    /// worker no longer holds the job (it was recovered and handed to another worker): it must stop.
    /// </summary>
    bool RenewLease(string id, string worker, TimeSpan lease, double? progress = null);

    /// <summary>Marks a job the worker holds as succeeded and deletes its staged upload; false when it does not hold it.</summary>
    bool Complete(string id, string worker, string documentId);

    /// <summary>Marks a job the worker holds as failed; its staged upload is kept so that <see cref="Retry"/> works.</summary>
    bool Fail(string id, string worker, string error);

    /// <summary>
    /// Gives a job the worker holds back to the queue after a transient failure: <see cref="JobStatus.Queued"/> with
    /// <paramref name="error"/> visible and one more transient failure counted, not claimed again before <paramref name="notBefore"/>.
    /// </summary>
    bool Requeue(string id, string worker, string error, DateTimeOffset notBefore);

    /// <summary>When the next queued job becomes due (now or in the past when one is due already); null when none is queued.</summary>
    DateTimeOffset? NextDue();

    /// <summary>
    /// Queues again every running job whose lease has expired or whose owner <paramref name="isOwnerGone"/> says is
    /// gone; one abandoned <paramref name="maxAttempts"/> times (not counting transient failures) fails instead.
    /// Returns the jobs changed, as they are now.
    /// </summary>
    IReadOnlyList<IngestionJob> RecoverAbandoned(Func<string, bool>? isOwnerGone = null, int maxAttempts = int.MaxValue);

    /// <summary>
    /// Deletes staged uploads nothing will read again: of succeeded jobs, of jobs failed longer than
    /// <paramref name="failedRetention"/> ago, and orphans older than <paramref name="orphanAge"/>.
    /// </summary>
    int PruneStagedUploads(TimeSpan failedRetention, TimeSpan orphanAge);

    /// <summary>Jobs in each status, in any process (one grouped count; for the jobs gauge).</summary>
    IReadOnlyDictionary<JobStatus, long> CountByStatus();
}
