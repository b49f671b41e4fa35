namespace QwenRag.Ingestion.Extraction;

/// <summary>A run of text from one page (1-based physical page index; formats without pages use page 1).</summary>
public sealed record ExtractedSection(int Page, string Text)
{
    /// <summary>
    /// The headings that start in this section, in text order. Before the first, the last heading of an earlier
    /// section is in effect.
    /// </summary>
    public IReadOnlyList<SectionHeading> Headings { get; init; } = [];
}
