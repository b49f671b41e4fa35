using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Core.Telemetry;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Retrieval.Fusion;

/// <summary>
/// Dense plus keyword retrieval: the query is embedded, and the store ranks by that embedding and by the query's
/// words and fuses the two lists (<see cref="IHybridSearch"/>: in process for the embedded index, on the server for
/// Qdrant). A store without keyword search answers by the embedding alone. With a reranker, the best
/// <see cref="HybridRetrieverOptions.RerankCandidates"/> fused hits are reordered by its scores
/// (<see cref="CandidateReranking"/>).
/// </summary>
public sealed class HybridRetriever
{
    public const int MaxTop = 100;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly IVectorStore _store;
    private readonly HybridRetrieverOptions _options;
    private readonly IReranker? _reranker;

    /// <param name="embeddings">Embeds the query.</param>
    /// <param name="store">The index.</param>
    /// <param name="options">How candidates are gathered; null takes the defaults.</param>
    /// <param name="reranker">Reorders the fused candidates; null keeps the fused order. The caller owns it.</param>
    public HybridRetriever(
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        IVectorStore store,
        HybridRetrieverOptions? options = null,
        IReranker? reranker = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new HybridRetrieverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CandidatesPerList, nameof(options));
        if (options.RerankCandidates is < 1 or > MaxTop)
        {
            throw new ArgumentOutOfRangeException(nameof(options), $"RerankCandidates must be between 1 and {MaxTop}; got {options.RerankCandidates}.");
        }

        _embeddings = embeddings;
        _store = store;
        _options = options;
        _reranker = reranker;
    }

    /// <summary>The reranking model searches are ordered by; null when they keep the fused order.</summary>
    public string? RerankerId => _reranker?.ModelId;

    /// <summary>
    /// The <paramref name="top"/> best chunks, best first, each scored with its fused RRF score, or with a reranker
    /// its reranker score (see <see cref="CandidateReranking"/>).
    /// </summary>
    /// <exception cref="RerankingFailedException">The reranker failed.</exception>
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

        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.RetrievalSpan)
            ?.SetTag(QwenRagTelemetry.SetTag, filter.Set)
            .SetTag(QwenRagTelemetry.TopTag, top);
        try
        {
            ReadOnlyMemory<float> vector;
            using (QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.QueryEmbedSpan))
            {
                vector = await _embeddings.GenerateVectorAsync(query, cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            // The reranker chooses the top among more fused hits than are returned.
            var wanted = _reranker is null ? top : Math.Max(top, _options.RerankCandidates);
            IReadOnlyList<ScoredChunk> hits;
            if (_store is IHybridSearch hybrid)
            {
                hits = await hybrid.SearchHybridAsync(
                    new HybridQuery(query, vector, wanted, Math.Max(_options.CandidatesPerList, wanted)), filter, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using (QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.DenseSpan))
                {
                    hits = await _store.SearchAsync(vector, wanted, filter, cancellationToken).ConfigureAwait(false);
                }
            }

            if (_reranker is not null)
            {
                hits = await CandidateReranking.RerankAsync(_reranker, query, hits, top, cancellationToken).ConfigureAwait(false);
            }

            activity?.SetTag(QwenRagTelemetry.HitsTag, hits.Count);
            return hits;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw;
        }
    }
}
