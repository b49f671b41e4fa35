namespace QwenRag.Core;

/// <summary>
/// A store's dense-plus-keyword search: the query's embedding and its words each rank
/// <see cref="HybridQuery.CandidatesPerList"/> chunks, and the two lists are fused (reciprocal rank fusion) into
/// one, best first. The embedded store fuses in process, Qdrant on the server.
/// </summary>
public interface IHybridSearch
{
    Task<IReadOnlyList<ScoredChunk>> SearchHybridAsync(
        HybridQuery query, SearchFilter filter, CancellationToken cancellationToken = default);
}

/// <summary>What a hybrid search ranks by and how many chunks it keeps.</summary>
/// <param name="Text">The user's words, for the keyword list.</param>
/// <param name="Vector">The embedding of <paramref name="Text"/>, for the dense list.</param>
/// <param name="Top">Chunks returned after fusing.</param>
/// <param name="CandidatesPerList">Chunks each list contributes before fusing (at least <paramref name="Top"/>).</param>
public sealed record HybridQuery(string Text, ReadOnlyMemory<float> Vector, int Top, int CandidatesPerList);
