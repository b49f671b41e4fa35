using QwenRag.Core;
using QwenRag.Core.Telemetry;

namespace QwenRag.Retrieval.Fusion;

/// <summary>
/// The embedded path's whole index: a vector store and the SQLite keyword index written together, searched
/// together and fused in process with reciprocal rank fusion. What Qdrant does in one collection on its server,
/// this does over two local indexes.
/// </summary>
public sealed class EmbeddedIndex : IVectorStore, IHybridSearch
{
    private readonly IVectorStore _vectors;
    private readonly IKeywordIndex _keywords;
    private readonly FusionOptions _fusion;

    public EmbeddedIndex(IVectorStore vectors, IKeywordIndex keywords, FusionOptions? fusion = null)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(keywords);
        _vectors = vectors;
        _keywords = keywords;
        _fusion = (fusion ?? new FusionOptions()).ThrowIfInvalid();
    }

    public Task EnsureSetAsync(string set, int dimensions, CancellationToken cancellationToken = default) =>
        _vectors.EnsureSetAsync(set, dimensions, cancellationToken);

    public async Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default)
    {
        await _vectors.UpsertAsync(chunks, cancellationToken).ConfigureAwait(false);
        await _keywords.UpsertAsync(chunks.Select(c => c.Chunk).ToList(), cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default)
    {
        await _vectors.DeleteDocumentAsync(set, documentId, cancellationToken).ConfigureAwait(false);
        await _keywords.DeleteDocumentAsync(set, documentId, cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteSetAsync(string set, CancellationToken cancellationToken = default)
    {
        await _vectors.DeleteSetAsync(set, cancellationToken).ConfigureAwait(false);
        await _keywords.DeleteSetAsync(set, cancellationToken).ConfigureAwait(false);
    }

    public Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default) =>
        _vectors.SearchAsync(query, top, filter, cancellationToken);

    public async Task<IReadOnlyList<ScoredChunk>> SearchHybridAsync(
        HybridQuery query, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(filter);

        // SQLite answers synchronously; on the thread pool the keyword search overlaps the dense scan.
        var keywordSearch = Task.Run(
            () => Traced(QwenRagTelemetry.KeywordSpan, () => _keywords.SearchAsync(query.Text, query.CandidatesPerList, filter, cancellationToken)),
            cancellationToken);
        var denseSearch = Traced(QwenRagTelemetry.DenseSpan, () => _vectors.SearchAsync(query.Vector, query.CandidatesPerList, filter, cancellationToken));
        await Task.WhenAll(denseSearch, keywordSearch).ConfigureAwait(false);
        var dense = await denseSearch.ConfigureAwait(false);
        var keywords = await keywordSearch.ConfigureAwait(false);

        using var fuse = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.FuseSpan);
        var fused = ReciprocalRankFusion.Fuse([dense, keywords], _fusion.RrfK, [_fusion.DenseWeight, _fusion.KeywordWeight]);
        return fused.Count <= query.Top ? fused : fused.Take(query.Top).ToList();
    }

    /// <summary>One list's search in a span of its own, tagged with how many candidates it found.</summary>
    private static async Task<IReadOnlyList<ScoredChunk>> Traced(string span, Func<Task<IReadOnlyList<ScoredChunk>>> search)
    {
        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(span);
        var hits = await search().ConfigureAwait(false);
        activity?.SetTag(QwenRagTelemetry.HitsTag, hits.Count);
        return hits;
    }
}
