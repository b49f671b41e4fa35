namespace QwenRag.Ingestion.Extraction;

/// <summary>A file whose type no extractor handles.</summary>
public sealed class UnsupportedDocumentException(string fileName, string? contentType, IReadOnlyCollection<string> supportedExtensions)
    : DocumentRejectedException(
        fileName,
        DocumentRejectionReason.Unsupported,
        $"unsupported document type{(string.IsNullOrEmpty(contentType) ? "" : $" ({contentType})")}; supported types are {string.Join(", ", supportedExtensions)}")
{
    public string? ContentType { get; } = contentType;

    public IReadOnlyCollection<string> SupportedExtensions { get; } = supportedExtensions;
}
