using System.Data.Common;

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
    DateTimeOffset IngestedAt)
{
    /// <summary>
    /// The entry in a row of <c>documents</c> selected as set_name, id, name, original_path, bytes, pages, chunks,
    /// status, tags, ingested_at; each store decodes the last two, which it keeps in types of its own.
    /// </summary>
    internal static DocumentEntry Read(DbDataReader reader, IReadOnlyList<string> tags, DateTimeOffset ingestedAt) => new(
        reader.GetString(0),
        reader.GetString(1),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetInt64(4),
        reader.GetInt32(5),
        reader.GetInt32(6),
        Enum.Parse<DocumentStatus>(reader.GetString(7)),
        tags,
        ingestedAt);
}
