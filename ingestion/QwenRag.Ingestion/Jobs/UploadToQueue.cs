namespace QwenRag.Ingestion.Jobs;

/// <summary>One file of an upload on its way into the queue: the client's name (display only), its bytes and type.</summary>
public sealed record UploadToQueue(string DocumentName, Stream Content, string? ContentType);
