namespace QwenRag.Ingestion.Pipeline;

public sealed record IngestionOutcome(
    string DocumentName,
    IngestionStatus Status,
    string? DocumentId = null,
    int Pages = 0,
    int Chunks = 0,
    string? Error = null)
{
    public bool Succeeded => Status != IngestionStatus.Failed;
}
