namespace QwenRag.Core.Blobs;

/// <summary>A blob as a listing reports it: <see cref="LastModified"/> is when its current content was written.</summary>
public sealed record BlobInfo(string Key, long Size, DateTimeOffset LastModified);
