namespace QwenRag.Core.Blobs;

/// <summary>
/// No blob has the key. A <see cref="FileNotFoundException"/>, so that callers written for files (an original or an
/// upload that is gone) treat it the same way.
/// </summary>
public sealed class BlobNotFoundException(string key, Exception? innerException = null)
    : FileNotFoundException($"There is no blob '{key}'.", key, innerException)
{
    public string Key { get; } = key;
}
