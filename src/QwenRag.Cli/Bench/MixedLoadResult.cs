namespace QwenRag.Cli.Bench;

/// <summary>Search and ask measured while they share the service with each other and with ingestion.</summary>
internal sealed record MixedLoadResult(
    HttpLoadResult Search, HttpLoadResult Ask, int UploadsIngested, int UploadsFailed, string? FirstUploadError);
