namespace QwenRag.Core;

/// <summary>
/// Stores chunk embeddings with their chunks and finds the nearest ones. The embedded store and Qdrant both fulfil
/// it. Upserts are keyed by chunk id, so writing the same chunk twice never duplicates it. A store that can also
/// rank by keywords and fuse the two lists offers <see cref="IHybridSearch"/>.
/// </summary>
/// <exception cref="VectorStoreUnavailableException">Any member, when a remote store cannot be reached.</exception>
public interface IVectorStore
{
    /// <summary>
    /// Makes sure <paramref name="set"/> can take vectors of <paramref name="dimensions"/>; a store already holding
    /// vectors of another size for it refuses, naming both sizes.
    /// </summary>
    /// <exception cref="InvalidOperationException">The store holds the set with another dimension.</exception>
    Task EnsureSetAsync(string set, int dimensions, CancellationToken cancellationToken = default);

    /// <summary>Writes the chunks; when the task completes they are searchable.</summary>
    Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default);

    Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default);

    Task DeleteSetAsync(string set, CancellationToken cancellationToken = default);

    /// <summary>The <paramref name="top"/> chunks nearest the query by cosine similarity, best first.</summary>
    Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default);
}
