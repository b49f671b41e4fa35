using System.Diagnostics;

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

    /// <summary>
    /// Extracts with the extractor for the file, within <paramref name="limits"/> (<see cref="ExtractionLimits.Default"/>
    /// when null) and their <see cref="ExtractionLimits.TimeBudget"/>.
    /// </summary>
    /// <exception cref="DocumentRejectedException">
    /// The file is unsupported (<see cref="UnsupportedDocumentException"/>), empty, damaged, encrypted, has no text,
    /// is over a limit or took longer than the time budget.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public ExtractedDocument Extract(
        Stream content,
        string fileName,
        string? contentType = null,
        ExtractionLimits? limits = null,
        CancellationToken cancellationToken = default)
    {
        var extractor = Resolve(fileName, contentType);
        limits ??= ExtractionLimits.Default;
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(limits.TimeBudget);
        var started = Stopwatch.GetTimestamp();
        ExtractedDocument document;
        try
        {
            document = extractor.Extract(content, fileName, limits, budget.Token);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && budget.IsCancellationRequested)
        {
            // The budget ran out, not the caller's patience: the document is at fault, and retrying would not help.
            throw OverTimeBudget(fileName, limits, ex);
        }

        // The timer that cancels can fire late on a starved thread pool; the clock cannot.
        return Stopwatch.GetElapsedTime(started) <= limits.TimeBudget ? document : throw OverTimeBudget(fileName, limits, null);
    }

    private static DocumentRejectedException OverTimeBudget(string fileName, ExtractionLimits limits, Exception? cause) => new(
        fileName,
        DocumentRejectionReason.TimedOut,
        $"extracting the text took longer than the time budget of {limits.TimeBudget.TotalSeconds:0.###} s "
            + $"({ExtractionLimits.SettingName(nameof(ExtractionLimits.TimeBudget))})",
        cause);
}
