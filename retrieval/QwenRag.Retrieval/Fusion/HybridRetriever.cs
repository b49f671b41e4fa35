using Microsoft.Extensions.AI;
using QwenRag.Core;

namespace QwenRag.Retrieval.Fusion;

/// <summary>
/// Dense plus keyword retrieval: the query is embedded and searched in the vector store while the keyword index
/// runs BM25 on its words; the two ranked lists are fused with reciprocal rank fusion.
/// </summary>
public sealed class HybridRetriever
{
    public const int MaxTop = 100;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly IVectorStore _vectors;
    private readonly IKeywordIndex _keywords;
    private readonly HybridRetrieverOptions _options;

    public HybridRetriever(
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        IVectorStore vectors,
        IKeywordIndex keywords,
        HybridRetrieverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(keywords);
        options ??= new HybridRetrieverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CandidatesPerList, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.RrfK, nameof(options));
        if (!double.IsFinite(options.DenseWeight) || options.DenseWeight < 0
            || !double.IsFinite(options.KeywordWeight) || options.KeywordWeight < 0)
        {
            throw new ArgumentException("Fusion weights must be finite and non-negative.", nameof(options));
        }

        _embeddings = embeddings;
        _vectors = vectors;
        _keywords = keywords;
        _options = options;
    }

    /// <summary>The <paramref name="top"/> best chunks, best first, each scored with its fused RRF score.</summary>
    public async Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        string query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(query))
        {
            throw new ArgumentException("The query is empty.", nameof(query));
        }

        if (top is < 1 or > MaxTop)
        {
            throw new ArgumentException($"top must be between 1 and {MaxTop}; got {top}.", nameof(top));
        }

        ArgumentNullException.ThrowIfNull(filter);

        var candidates = Math.Max(_options.CandidatesPerList, top);

        // SQLite answers synchronously; on the thread pool it overlaps with embedding the query.
        var keywordSearch = Task.Run(
            () => _keywords.SearchAsync(query, candidates, filter, cancellationToken), cancellationToken);
        var denseSearch = SearchDenseAsync(query, candidates, filter, cancellationToken);
        await Task.WhenAll(denseSearch, keywordSearch).ConfigureAwait(false);

        var fused = ReciprocalRankFusion.Fuse(
            [await denseSearch.ConfigureAwait(false), await keywordSearch.ConfigureAwait(false)],
            _options.RrfK,
            [_options.DenseWeight, _options.KeywordWeight]);
        return fused.Count <= top ? fused : fused.Take(top).ToList();
    }

    private async Task<IReadOnlyList<ScoredChunk>> SearchDenseAsync(
        string query, int candidates, SearchFilter filter, CancellationToken cancellationToken)
    {
        var vector = await _embeddings
            .GenerateVectorAsync(query, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return await _vectors.SearchAsync(vector, candidates, filter, cancellationToken).ConfigureAwait(false);
    }
}
