using QwenRag.Core;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Jobs;

/// <summary>
/// Uploads accepted for ingestion, one file per job in <see cref="DataDirectory.UploadsPath"/>, named
/// <c>{job id}.upload</c> (never the client's file name). A file is flushed to the disk before its job is recorded,
/// so that a job that exists always has its upload; nothing partial is ever left behind.
/// </summary>
public sealed class StagedUploads
{
    private const string Extension = ".upload";
    private const int BufferSize = 1 << 16;

    private readonly string _directory;

    public StagedUploads(DataDirectory data)
    {
        ArgumentNullException.ThrowIfNull(data);
        _directory = data.UploadsPath;
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Where a job's upload is staged: named by the job id alone.</summary>
    /// <exception cref="ArgumentException"><paramref name="jobId"/> is not a job id.</exception>
    public string PathFor(string jobId) => IsJobId(jobId)
        ? Path.Combine(_directory, jobId + Extension)
        : throw new ArgumentException($"'{jobId}' is not a job id.", nameof(jobId));

    public bool Exists(string jobId) => IsJobId(jobId) && File.Exists(PathFor(jobId));

    /// <summary>
    /// Copies <paramref name="content"/> to the job's file and forces it to the disk. On any failure the partial
    /// file is deleted.
    /// </summary>
    /// <exception cref="DocumentRejectedException">The upload is larger than <paramref name="maxBytes"/>.</exception>
    /// <exception cref="StorageFullException">The volume filled up while staging.</exception>
    public async Task StageAsync(string jobId, string documentName, Stream content, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        var path = PathFor(jobId);
        if (content.CanSeek && content.Length - content.Position > maxBytes)
        {
            throw TooLarge(documentName, maxBytes);
        }

        try
        {
            // Disposed inside the try: closing flushes what is buffered, which is where a full disk may show.
            await using (var file = new FileStream(
                path, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous))
            {
                var buffer = new byte[BufferSize];
                long total = 0;
                int read;
                while ((read = await content.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    total += read;
                    if (total > maxBytes)
                    {
                        throw TooLarge(documentName, maxBytes);
                    }

                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }

                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
        }
        catch (Exception ex)
        {
            Delete(jobId);
            if (StorageFailures.AsStorageFull(ex) is { } full && !ReferenceEquals(full, ex))
            {
                throw full;
            }

            throw;
        }
    }

    /// <summary>Deletes the job's upload; false when it could not be deleted (it may already be gone).</summary>
    public bool Delete(string jobId)
    {
        if (!IsJobId(jobId))
        {
            return false;
        }

        try
        {
            File.Delete(PathFor(jobId));
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>
    /// Deletes uploads nothing will read again: those of succeeded jobs, of jobs that failed longer than
    /// <paramref name="failedRetention"/> ago (they can no longer be retried), and files older than
    /// <paramref name="orphanAge"/> with no job (a process that died between staging and queueing).
    /// <paramref name="jobs"/> holds every job's status and last update. Returns how many were deleted.
    /// </summary>
    public int Prune(
        IReadOnlyDictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)> jobs, TimeSpan failedRetention, TimeSpan orphanAge)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var now = DateTimeOffset.UtcNow;
        var deleted = 0;
        foreach (var path in Directory.EnumerateFiles(_directory, "*" + Extension))
        {
            var id = Path.GetFileNameWithoutExtension(path);
            if (!IsJobId(id))
            {
                continue;
            }

            var prune = jobs.TryGetValue(id, out var job)
                ? job.Status == JobStatus.Succeeded || (job.Status == JobStatus.Failed && job.UpdatedAt < now - failedRetention)
                : File.GetLastWriteTimeUtc(path) < (now - orphanAge).UtcDateTime;
            if (prune && Delete(id))
            {
                deleted++;
            }
        }

        return deleted;
    }

    /// <summary>Job ids are 32 lower-case hex digits; anything else is refused before it nears a path or a query.</summary>
    public static bool IsJobId(string? id) =>
        id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);

    private static DocumentRejectedException TooLarge(string name, long maxBytes) => new(
        name,
        DocumentRejectionReason.TooLarge,
        maxBytes >= 1024 * 1024
            ? $"the file is larger than the limit of {maxBytes / (1024 * 1024)} MB"
            : $"the file is larger than the limit of {maxBytes} bytes");
}
