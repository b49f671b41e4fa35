namespace QwenRag.SemanticKernel;

/// <summary>How an upload ended: <see cref="Succeeded"/> with the document's id, pages and chunks, or the reason it failed.</summary>
public sealed record QwenRagUpload(
    string Document, bool Succeeded, string? DocumentId = null, int Pages = 0, int Chunks = 0, string? Error = null, string? JobId = null);
