namespace QwenRag.Ingestion.Extraction;

/// <summary>Turns one file format into plain text sections.</summary>
public interface IDocumentExtractor
{
    /// <summary>File extensions handled, lower case with the dot (".pdf").</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Media types handled ("application/pdf").</summary>
    IReadOnlyCollection<string> ContentTypes { get; }

    /// <summary>
    /// Extracts the text within <paramref name="limits"/>, checking <paramref name="cancellationToken"/> as it goes
    /// (per page, per batch of elements) so that a time budget can stop it.
    /// </summary>
    /// <exception cref="DocumentRejectedException">Content it cannot read, or over a limit.</exception>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken);
}
