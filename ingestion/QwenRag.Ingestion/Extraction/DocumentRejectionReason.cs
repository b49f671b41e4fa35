namespace QwenRag.Ingestion.Extraction;

/// <summary>Why a document could not be ingested.</summary>
public enum DocumentRejectionReason
{
    Empty,
    Corrupt,
    Encrypted,
    NoText,
    Unsupported,
    TooLarge,
}
