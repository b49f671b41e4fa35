using System.Data.Common;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// Uploads accepted for ingestion, one blob per job, keyed <c>uploads/{job id}.upload</c> (never the client's file
/// name): in a data directory the files they always were. A blob is durable before its job is recorded, so that a job
/// that exists always has its upload; nothing partial is ever left behind (the blob store's writes are atomic).
/// </summary>
public sealed class StagedUploads
{
    private const string Prefix = LocalBlobStore.UploadsContainer + "/";
    private const string Extension = ".upload";

    private readonly IBlobStore _blobs;

    /// <summary>Uploads in the data directory's <see cref="DataDirectory.UploadsPath"/>.</summary>
    public StagedUploads(DataDirectory data)
        : this(LocalBlobStore.For(data ?? throw new ArgumentNullException(nameof(data))))
    {
        data.EnsureCreated();
    }

    public StagedUploads(IBlobStore blobs)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        _blobs = blobs;
    }

    /// <summary>The key of a job's upload: made from the job id alone.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is not a job id.</exception>
    public static string KeyFor(string jobId) => IsJobId(jobId)
        ? Prefix + jobId + Extension
        : throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId));

    /// <summary>
    /// Whether the job's upload is there. Synchronous for the queue's synchronous callers; local blobs answer at once.
    /// </summary>
    public bool Exists(string jobId) => ExistsAsync(jobId).GetAwaiter().GetResult();

    public async Task<bool> ExistsAsync(string jobId, CancellationToken cancellationToken = default) =>
        IsJobId(jobId) && await _blobs.ExistsAsync(KeyFor(jobId), cancellationToken);

    /// <summary>The job's upload, streamed from the blob store.</summary>
    /// <exception cref="BlobNotFoundException">There is none (pruned, or never staged).</exception>
    public Task<Stream> OpenReadAsync(string jobId, CancellationToken cancellationToken = default) =>
        _blobs.OpenReadAsync(KeyFor(jobId), cancellationToken);

    /// <summary>Streams <paramref name="content"/> into the job's blob and makes it durable; on any failure nothing is kept.</summary>
    /// <exception cref="DocumentRejectedException">The upload is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="StorageFullException">The store filled up while staging.</exception>
    public async Task StageAsync(string jobId, string documentName, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var key = KeyFor(jobId);
        try
        {
            await _blobs.WriteAsync(key, content, maxBytes, cancellationToken);
        }
        catch (BlobTooLargeException)
        {
            throw TooLarge(documentName, maxBytes);
        }
        catch (Exception ex) when (StorageFailures.AsStorageFull(ex) is { } full && !ReferenceEquals(full, ex))
        {
            throw full;
        }
    }

    /// <summary>
    /// The all-or-nothing enqueue of every job queue: makes a queued job of each of <paramref name="files"/> (at
    /// <paramref name="now"/>, in the current trace), stages its content, then has <paramref name="record"/> write all
    /// the jobs in one transaction. On any failure every staged file is deleted and the failure rethrown.
    /// </summary>
    /// <exception cref="DocumentRejectedException">An upload is larger than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="StorageFullException">The store filled up; nothing is kept.</exception>
    /// <exception cref="ArgumentException">The set name is invalid, or there is no file.</exception>
    public async Task<IReadOnlyList<IngestionJob>> StageJobsAsync(
        string set,
        IReadOnlyList<UploadToQueue> files,
        IReadOnlyList<string> tags,
        long maxBytes,
        DateTimeOffset now,
        Func<IReadOnlyList<IngestionJob>, Task> record,
        CancellationToken cancellationToken)
    {
        SetName.Validate(set);
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(record);
        ArgumentOutOfRangeException.ThrowIfZero(files.Count, nameof(files));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var traceParent = QwenRagTelemetry.CurrentTraceParent();
        var jobs = new List<IngestionJob>(files.Count);
        try
        {
            foreach (var file in files)
            {
                ArgumentNullException.ThrowIfNull(file.Content, nameof(files));
                var name = DocumentNames.Clean(file.DocumentName);
                var contentType = string.IsNullOrWhiteSpace(file.ContentType) ? null : file.ContentType.Trim();
                var job = new IngestionJob(
                    Guid.NewGuid().ToString("N"), set, name, contentType, [.. tags ?? []], JobStatus.Queued, 0, null, null, 0, now, now)
                {
                    TraceParent = traceParent,
                };
                jobs.Add(job);
                await StageAsync(job.Id, name, file.Content, maxBytes, cancellationToken);
            }

            await record(jobs);
        }
        catch (Exception ex)
        {
            foreach (var job in jobs)
            {
                await DeleteAsync(job.Id, CancellationToken.None);
            }

            if (StorageFailures.AsStorageFull(ex) is { } full && !ReferenceEquals(full, ex))
            {
                throw full;
            }

            throw;
        }

        return jobs;
    }

    /// <summary>Deletes the job's upload; false when it could not be deleted (it may already be gone).</summary>
    public bool Delete(string jobId) => DeleteAsync(jobId).GetAwaiter().GetResult();

    /// <inheritdoc cref="Delete"/>
    public async Task<bool> DeleteAsync(string jobId, CancellationToken cancellationToken = default)
    {
        if (!IsJobId(jobId))
        {
            return false;
        }

        try
        {
            await _blobs.DeleteAsync(KeyFor(jobId), cancellationToken);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or DbException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes uploads nothing will read again: those of succeeded jobs, of jobs that failed longer than
    /// <paramref name="failedRetention"/> ago (they can no longer be retried), and uploads older than
    /// <paramref name="orphanAge"/> with no job (a process that died between staging and queueing).
    /// <paramref name="jobs"/> holds every job's status and last update. Returns how many were deleted.
    /// </summary>
    public int Prune(
        IReadOnlyDictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)> jobs, TimeSpan failedRetention, TimeSpan orphanAge) =>
        PruneAsync(jobs, failedRetention, orphanAge).GetAwaiter().GetResult();

    /// <inheritdoc cref="Prune"/>
    public async Task<int> PruneAsync(
        IReadOnlyDictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)> jobs,
        TimeSpan failedRetention,
        TimeSpan orphanAge,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var now = DateTimeOffset.UtcNow;
        var prunable = new List<string>();
        await foreach (var blob in _blobs.ListAsync(Prefix, cancellationToken))
        {
            if (JobIdOf(blob.Key) is not { } id)
            {
                continue;
            }

            var prune = jobs.TryGetValue(id, out var job)
                ? job.Status == JobStatus.Succeeded || (job.Status == JobStatus.Failed && job.UpdatedAt < now - failedRetention)
                : blob.LastModified < now - orphanAge;
            if (prune)
            {
                prunable.Add(id);
            }
        }

        var deleted = 0;
        foreach (var id in prunable)
        {
            if (await DeleteAsync(id, cancellationToken))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Job ids are 32 lower-case hex digits; anything else is refused before it nears a key or a query.</summary>
    public static bool IsJobId(string? id) =>
        id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static string? JobIdOf(string key)
    {
        if (!key.StartsWith(Prefix, StringComparison.Ordinal) || !key.EndsWith(Extension, StringComparison.Ordinal))
        {
            return null;
        }

        var id = key[Prefix.Length..^Extension.Length];
        return IsJobId(id) ? id : null;
    }

    private static DocumentRejectedException TooLarge(string name, long maxBytes) => new(
        name,
        DocumentRejectionReason.TooLarge,
        maxBytes >= 1024 * 1024
            ? $"the file is larger than the limit of {maxBytes / (1024 * 1024)} MB"
            : $"the file is larger than the limit of {maxBytes} bytes");
}
