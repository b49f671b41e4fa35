namespace QwenRag.Core;

/// <summary>
/// The volume holding the data directory has no space left (or the user's quota is spent). A server-side condition,
/// not the client's fault: the API answers 507, the worker treats it as transient and retries once space is freed.
/// </summary>
public sealed class StorageFullException(string message, Exception? innerException = null) : IOException(message, innerException)
{
    public const string DefaultMessage = "disk full: the volume holding the data directory has no space left";
}
