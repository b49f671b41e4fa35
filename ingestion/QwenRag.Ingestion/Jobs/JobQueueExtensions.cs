namespace QwenRag.Ingestion.Jobs;

public static class JobQueueExtensions
{
    /// <summary>
    /// Queues one file: staged under a key made from the new job's id (never the client's file name), made durable,
    /// then recorded as <see cref="JobStatus.Queued"/> (see <see cref="IJobQueue.EnqueueAsync"/>).
    /// </summary>
    /// <exception cref="Extraction.DocumentRejectedException">The upload is larger than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="Core.StorageFullException">The disk is full; nothing is kept.</exception>
    /// <exception cref="ArgumentException">The set name is invalid.</exception>
    public static async Task<IngestionJob> EnqueueAsync(
        this IJobQueue queue,
        string set,
        string documentName,
        Stream content,
        string? contentType,
        IReadOnlyList<string> tags,
        long maxBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queue);
        return (await queue.EnqueueAsync(set, [new UploadToQueue(documentName, content, contentType)], tags, maxBytes, cancellationToken))[0];
    }
}
