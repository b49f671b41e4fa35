namespace QwenRag.Core;

/// <summary>Full-text (BM25) index over the same chunks as the vector store.</summary>
public interface IKeywordIndex
{
    Task UpsertAsync(IReadOnlyList<ChunkRecord> chunks, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default);

    Task DeleteSetAsync(string set, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="top"/> best BM25 matches, best first (score higher is better).</summary>
    Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        string query, int top, SearchFilter filter, CancellationToken cancellationToken = default);
}
