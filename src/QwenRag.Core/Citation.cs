namespace QwenRag.Core;

/// <summary>
/// Where a piece of an answer comes from: a document, the pages the cited passage starts and ends on, and the
/// passage's own text (so that a reader can open what stands behind each citation).
/// </summary>
public sealed record Citation(string Document, int Page, string ChunkId, int PageEnd, string Text)
{
    public static Citation From(ChunkRecord chunk) =>
        new(chunk.DocumentName, chunk.PageStart, chunk.Id.ToString(), chunk.PageEnd, chunk.Text);
}
