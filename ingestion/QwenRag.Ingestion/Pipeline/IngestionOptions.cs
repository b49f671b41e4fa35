namespace QwenRag.Ingestion.Pipeline;

public sealed record IngestionOptions
{
    /// <summary>Files larger than this are refused before anything is read into the indexes.</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Chunks embedded and written per step; also the granularity of progress reports.</summary>
    public int BatchSize { get; init; } = 32;
}
