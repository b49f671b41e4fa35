namespace QwenRag.Ingestion.Pipeline;

public enum IngestionStatus
{
    /// <summary>New content, now searchable.</summary>
    Ingested,

    /// <summary>New content under a name the set already had; the old version's chunks are gone.</summary>
    Replaced,

    /// <summary>The same bytes were already in the set: nothing was done.</summary>
    Unchanged,

    /// <summary>Rejected or failed; nothing of it remains in any index.</summary>
    Failed,
}
