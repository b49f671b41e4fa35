namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// What is embedded with each chunk besides its text (<c>QwenRag:Ingestion:EmbedContext</c>). The stored, keyword
/// and cited text is the chunk's own whichever is chosen.
/// </summary>
public enum ChunkContextParts
{
    /// <summary>The chunk text alone.</summary>
    Off,

    /// <summary>The heading the chunk starts under, then the text (the default: measured best with arctic-embed-xs).</summary>
    Heading,

    /// <summary>The document's title (else its file name without extension), then the text.</summary>
    Title,

    /// <summary>Title, heading, text.</summary>
    TitleAndHeading,
}
