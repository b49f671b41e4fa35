namespace QwenRag.Ingestion.Extraction;

/// <summary>Picks the extractor for a file by its extension (case-insensitive), else by its content type.</summary>
public sealed class DocumentExtractors
{
    private readonly Dictionary<string, IDocumentExtractor> _byExtension = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, IDocumentExtractor> _byContentType = new(StringComparer.OrdinalIgnoreCase);

    public DocumentExtractors(IEnumerable<IDocumentExtractor> extractors)
    {
        ArgumentNullException.ThrowIfNull(extractors);
        foreach (var extractor in extractors)
        {
            foreach (var extension in extractor.Extensions)
            {
                _byExtension.TryAdd(extension, extractor);
            }

            foreach (var contentType in extractor.ContentTypes)
            {
                _byContentType.TryAdd(contentType, extractor);
            }
        }

        SupportedExtensions = [.. _byExtension.Keys.Order(StringComparer.Ordinal)];
    }

    /// <summary>Every extension some extractor handles, sorted (".docx", ".htm", ...).</summary>
    public IReadOnlyList<string> SupportedExtensions { get; }

    /// <summary>PDF, Markdown, HTML, plain text and DOCX.</summary>
    public static DocumentExtractors CreateDefault() =>
        new([new PdfExtractor(), new MarkdownExtractor(), new HtmlExtractor(), new PlainTextExtractor(), new DocxExtractor()]);

    public bool TryResolve(string fileName, string? contentType, out IDocumentExtractor extractor)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        var extension = Path.GetExtension(fileName);
        if (extension.Length > 0 && _byExtension.TryGetValue(extension, out extractor!))
        {
            return true;
        }

        var mediaType = contentType?.Split(';', 2)[0].Trim();
        return (extractor = (mediaType is { Length: > 0 } ? _byContentType.GetValueOrDefault(mediaType) : null)!) is not null;
    }

    /// <exception cref="UnsupportedDocumentException">No extractor handles the file's extension or content type.</exception>
    public IDocumentExtractor Resolve(string fileName, string? contentType = null) =>
        TryResolve(fileName, contentType, out var extractor)
            ? extractor
            : throw new UnsupportedDocumentException(fileName, contentType, SupportedExtensions);

    /// <exception cref="DocumentRejectedException">
    /// The file is unsupported (<see cref="UnsupportedDocumentException"/>), empty, damaged, encrypted or has no text.
    /// </exception>
    public ExtractedDocument Extract(Stream content, string fileName, string? contentType = null) =>
        Resolve(fileName, contentType).Extract(content, fileName);
}
