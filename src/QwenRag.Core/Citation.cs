namespace QwenRag.Core;

/// <summary>Where a piece of an answer comes from: a document and the page the cited passage starts on.</summary>
public sealed record Citation(string Document, int Page, string ChunkId)
{
    public static Citation From(ChunkRecord chunk) => new(chunk.DocumentName, chunk.PageStart, chunk.Id.ToString());
}
