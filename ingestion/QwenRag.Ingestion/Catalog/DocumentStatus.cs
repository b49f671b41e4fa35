namespace QwenRag.Ingestion.Catalog;

public enum DocumentStatus
{
    /// <summary>Chunks are being written; a document left in this state by a crash is re-indexed on resume.</summary>
    Indexing,

    /// <summary>Every chunk is in every index.</summary>
    Ready,
}
