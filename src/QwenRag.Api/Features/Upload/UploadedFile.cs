namespace QwenRag.Api.Features.Upload;

/// <summary>A file part of an upload, already streamed to a temporary file (the client's name is display only).</summary>
public sealed record UploadedFile(string Name, string? ContentType, string TemporaryPath);
