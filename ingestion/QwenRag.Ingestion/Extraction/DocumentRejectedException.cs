namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// A document that cannot be ingested, with a message meant for the person who uploaded it
/// ("yarn.pdf: the PDF is encrypted and cannot be read without its password").
/// </summary>
public class DocumentRejectedException : Exception
{
    public DocumentRejectedException(string fileName, DocumentRejectionReason reason, string problem, Exception? innerException = null)
        : base($"{fileName}: {problem}", innerException)
    {
        FileName = fileName;
        Reason = reason;
    }

    public string FileName { get; }

    public DocumentRejectionReason Reason { get; }
}
