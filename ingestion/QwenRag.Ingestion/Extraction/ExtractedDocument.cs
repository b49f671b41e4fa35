namespace QwenRag.Ingestion.Extraction;

/// <summary>The text of a document in reading order, paragraphs separated by blank lines.</summary>
public sealed record ExtractedDocument(IReadOnlyList<ExtractedSection> Sections)
{
    /// <summary>Every section's text, sections separated by blank lines.</summary>
    public string FullText => string.Join("\n\n", Sections.Select(section => section.Text));
}
