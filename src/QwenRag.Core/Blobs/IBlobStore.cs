namespace QwenRag.Core.Blobs;

/// <summary>
/// Files every machine of a deployment must reach: staged uploads and kept originals, under keys we choose
/// (<see cref="BlobKey"/>), never a client's file name. A write is atomic: a blob is visible only once complete, a
/// failed or refused write leaves nothing, and an overwrite shows readers either the old content or the new.
/// Implemented over a local directory (<see cref="LocalBlobStore"/>, the default) and PostgreSQL
/// (<see cref="PostgresBlobStore"/>); object storage (S3) is the next one.
/// </summary>
public interface IBlobStore
{
    /// <summary>What this store is and where, for the start-up log (never a secret).</summary>
    string Description { get; }

    /// <summary>
    /// Streams <paramref name="content"/> into the blob <paramref name="key"/>, replacing any blob of that key, and
    /// makes it durable before returning. Returns the number of bytes written.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="key"/> is not a valid key.</exception>
    /// <exception cref="BlobTooLargeException">The content is longer than <paramref name="maxBytes"/>; nothing is kept.</exception>
    /// <exception cref="StorageFullException">The store ran out of space; nothing is kept.</exception>
    Task<long> WriteAsync(string key, Stream content, long? maxBytes = null, CancellationToken cancellationToken = default);

    /// <summary>A stream over the blob's content, read as it is consumed (never all of it in memory).</summary>
    /// <exception cref="BlobNotFoundException">There is no such blob.</exception>
    Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default);

    Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Deletes the blob; false when there was none.</summary>
    Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default);

    /// <summary>Every blob whose key starts with <paramref name="prefix"/>, in no particular order.</summary>
    IAsyncEnumerable<BlobInfo> ListAsync(string prefix, CancellationToken cancellationToken = default);
}
