namespace QwenRag.Ingestion.Chunking;

/// <summary>
/// A piece of a document sized for the embedding model; pages are 1-based and inclusive. <paramref name="Heading"/>
/// is the document's heading in effect where the chunk starts (null before the first, or when it has none).
/// </summary>
public sealed record TextChunk(int Index, int PageStart, int PageEnd, string Text, string? Heading = null);
