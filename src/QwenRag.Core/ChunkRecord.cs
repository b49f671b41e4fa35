namespace QwenRag.Core;

/// <summary>
/// One indexed passage of a document, as every index (vector store, keyword index) stores it.
/// Pages are 1-based physical page indexes; formats without pages use page 1. Ids are deterministic UUIDs (from set,
/// document and position), which is what Qdrant point ids must be.
/// </summary>
public sealed record ChunkRecord(
    Guid Id,
    string Set,
    string DocumentId,
    string DocumentName,
    int Index,
    int PageStart,
    int PageEnd,
    string Text,
    IReadOnlyList<string> Tags);
