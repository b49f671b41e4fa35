namespace QwenRag.Ingestion.Extraction;

/// <summary>Plain text in UTF-8, UTF-16 or UTF-32 (byte-order mark detected), or Latin-1 when not valid UTF-8.</summary>
public sealed class PlainTextExtractor : IDocumentExtractor
{
    public IReadOnlyCollection<string> Extensions { get; } = [".txt", ".text"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["text/plain"];

    public ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        var decoded = DocumentBytes.WithinTextLimit(TextDecoder.Decode(DocumentBytes.ReadAll(content, fileName)), fileName, limits);
        cancellationToken.ThrowIfCancellationRequested();
        var text = TextLayout.Normalize(decoded);
        return text.Length > 0
            ? new ExtractedDocument([new ExtractedSection(1, text)])
            : throw DocumentBytes.NoText(fileName, "file");
    }
}
