namespace QwenRag.Core;

/// <summary>
/// Stores chunk embeddings and finds the nearest ones. The embedded store and Qdrant both fulfil it.
/// Upserts are keyed by chunk id, so writing the same chunk twice never duplicates it.
/// </summary>
public interface IVectorStore
{
    Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default);

    Task DeleteSetAsync(string set, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="top"/> chunks nearest the query by cosine similarity, best first.</summary>
    Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default);
}
