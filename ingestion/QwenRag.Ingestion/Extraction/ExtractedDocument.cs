namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// The text of a document in reading order, paragraphs separated by blank lines, with the title the document gives
/// itself (metadata, a title line, a first heading; null when it has none) — at most
/// <see cref="DocumentHeadings.MaxLength"/> characters on one line.
/// </summary>
public sealed record ExtractedDocument(IReadOnlyList<ExtractedSection> Sections, string? Title = null)
{
    /// <summary>Every section's text, sections separated by blank lines.</summary>
    public string FullText => string.Join("\n\n", Sections.Select(section => section.Text));
}
