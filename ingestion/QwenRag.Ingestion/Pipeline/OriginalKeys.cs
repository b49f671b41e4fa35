using QwenRag.Core.Blobs;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// The blob keys of kept originals, content-addressed: <c>originals/{first two hex digits}/{document id}{extension}</c>,
/// the extension being the extractor's own, so that the user's file name never becomes a key. Catalogs written before
/// the blob store hold absolute paths of that same layout instead; <see cref="FromStored"/> reads both.
/// </summary>
public static class OriginalKeys
{
    private const string Container = LocalBlobStore.OriginalsContainer;

    public static string For(string documentId, string extension)
    {
        ArgumentException.ThrowIfNullOrEmpty(documentId);
        ArgumentException.ThrowIfNullOrEmpty(extension);
        return BlobKey.Validate($"{Container}/{documentId[..2]}/{documentId}{extension.ToLowerInvariant()}", nameof(documentId));
    }

    /// <summary>
    /// The key of what a catalog records as a document's original: a key as it is, or an absolute path ending in
    /// <c>originals/ab/{id}.pdf</c> as the key of that file (wherever the data directory is now). Null for anything else.
    /// </summary>
    public static string? FromStored(string? stored)
    {
        if (string.IsNullOrEmpty(stored))
        {
            return null;
        }

        if (BlobKey.IsValid(stored))
        {
            return stored.StartsWith(Container + "/", StringComparison.Ordinal) ? stored : null;
        }

        if (!Path.IsPathRooted(stored))
        {
            return null;
        }

        var file = Path.GetFileName(stored);
        var shard = Path.GetDirectoryName(stored);
        var container = shard is null ? null : Path.GetDirectoryName(shard);
        if (shard is null || container is null || Path.GetFileName(container) != Container)
        {
            return null;
        }

        var key = $"{Container}/{Path.GetFileName(shard)}/{file}";
        return BlobKey.IsValid(key) ? key : null;
    }
}
