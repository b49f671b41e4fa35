namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// What is embedded with each chunk besides its text (<c>QwenRag:Ingestion:EmbedContext</c>, e.g.
/// <c>"FileName, Heading"</c>), each on its own line before the text in the order file name, title, heading. The
/// stored, keyword and cited text is the chunk's own whichever is chosen.
/// </summary>
[Flags]
public enum ChunkContextParts
{
    /// <summary>The chunk text alone.</summary>
    Off = 0,

    /// <summary>The document's title (else, unless <see cref="FileName"/> is also chosen, its file name).</summary>
    Title = 1,

    /// <summary>The heading the chunk starts under.</summary>
    Heading = 2,

    /// <summary>The document's file name without extension.</summary>
    FileName = 4,

    /// <summary>Title and heading.</summary>
    TitleAndHeading = Title | Heading,
}
