namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// A heading in effect from <paramref name="Offset"/> (a character index into its section's text, at the start of a
/// line) to the next heading; <paramref name="Text"/> is one line of at most <see cref="DocumentHeadings.MaxLength"/>
/// characters.
/// </summary>
public sealed record SectionHeading(int Offset, string Text);
