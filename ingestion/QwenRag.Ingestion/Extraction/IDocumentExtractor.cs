namespace QwenRag.Ingestion.Extraction;

/// <summary>Turns one file format into plain text sections.</summary>
public interface IDocumentExtractor
{
    /// <summary>File extensions handled, lower case with the dot (".pdf").</summary>
    IReadOnlyCollection<string> Extensions { get; }

    /// <summary>Media types handled ("application/pdf").</summary>
    IReadOnlyCollection<string> ContentTypes { get; }

    /// <summary>Extracts the text; throws <see cref="DocumentRejectedException"/> for content it cannot read.</summary>
    ExtractedDocument Extract(Stream content, string fileName);
}
