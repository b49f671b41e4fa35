namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// A document that cannot be ingested, with a message meant for the person who uploaded it
/// ("yarn.pdf: the PDF is encrypted and cannot be read without its password").
/// </summary>
public class DocumentRejectedException(string fileName, DocumentRejectionReason reason, string problem, Exception? innerException = null)
    : Exception($"{fileName}: {problem}", innerException)
{
    public string FileName { get; } = fileName;

    public DocumentRejectionReason Reason { get; } = reason;
}
