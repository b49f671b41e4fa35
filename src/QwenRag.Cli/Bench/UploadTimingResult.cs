namespace QwenRag.Cli.Bench;

/// <summary>
/// One upload timed from the request being sent: when the API accepted it (202), when its job succeeded,
/// and when a search for a phrase of the file first returned the document.
/// </summary>
internal sealed record UploadTimingResult(
    string File,
    long Bytes,
    string JobId,
    string? DocumentId,
    string Status,
    string? Error,
    double AcceptedMs,
    double SucceededMs,
    double SearchableMs,
    string Phrase,
    bool AlreadyPresent);
