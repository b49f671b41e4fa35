namespace QwenRag.Ingestion.Chunking;

/// <summary>A piece of a document sized for the embedding model; pages are 1-based and inclusive.</summary>
public sealed record TextChunk(int Index, int PageStart, int PageEnd, string Text);
