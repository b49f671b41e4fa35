namespace QwenRag.Ingestion.Catalog;

/// <summary>
/// A document of a set as the catalog records it. <see cref="Id"/> is the hash of its bytes; <see cref="OriginalPath"/>
/// is the blob key of its kept original (see <see cref="Pipeline.OriginalKeys"/>; an absolute path in older catalogs).
/// </summary>
public sealed record DocumentEntry(
    string Set,
    string Id,
    string Name,
    string OriginalPath,
    long Bytes,
    int Pages,
    int Chunks,
    DocumentStatus Status,
    IReadOnlyList<string> Tags,
    DateTimeOffset IngestedAt);
