namespace QwenRag.Core;

/// <summary>One search hit as the CLI's <c>--json</c> and the REST API print it.</summary>
public sealed record SearchResult(
    string Document,
    int Page,
    int PageEnd,
    double Score,
    string Text,
    string ChunkId,
    string DocumentId)
{
    public static SearchResult From(ScoredChunk hit) => new(
        hit.Chunk.DocumentName,
        hit.Chunk.PageStart,
        hit.Chunk.PageEnd,
        Math.Round(hit.Score, 6),
        hit.Chunk.Text,
        hit.Chunk.Id.ToString(),
        hit.Chunk.DocumentId);
}
