namespace QwenRag.Ingestion.Pipeline;

/// <summary>How far one document has got: <see cref="Fraction"/> runs from 0 to 1 across all stages.</summary>
public sealed record IngestionProgress(string DocumentName, string Stage, double Fraction);
