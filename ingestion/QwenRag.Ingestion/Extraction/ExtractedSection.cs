namespace QwenRag.Ingestion.Extraction;

/// <summary>A run of text from one page (1-based physical page index; formats without pages use page 1).</summary>
public sealed record ExtractedSection(int Page, string Text);
