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

    /// <summary>Over one of the <see cref="ExtractionLimits"/> (pages, nesting, inflated size...).</summary>
    OverLimit,

    /// <summary>Extraction ran past <see cref="ExtractionLimits.TimeBudget"/>.</summary>
    TimedOut,
}
