namespace QwenRag.Core.Blobs;

/// <summary>A write was refused because its content is longer than the limit it was given; nothing was kept.</summary>
public sealed class BlobTooLargeException(string key, long maxBytes)
    : IOException($"The content of blob '{key}' is larger than the limit of {maxBytes} bytes.")
{
    public string Key { get; } = key;

    public long MaxBytes { get; } = maxBytes;
}
