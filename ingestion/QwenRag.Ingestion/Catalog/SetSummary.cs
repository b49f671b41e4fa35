namespace QwenRag.Ingestion.Catalog;

public sealed record SetSummary(string Name, int Documents, int Chunks, int Pages);
