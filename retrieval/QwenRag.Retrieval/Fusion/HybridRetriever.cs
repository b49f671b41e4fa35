using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Core.Telemetry;

namespace QwenRag.Retrieval.Fusion;

/// <summary>
/// Dense plus keyword retrieval: the query is embedded, and the store ranks by that embedding and by the query's
/// words and fuses the two lists (<see cref="IHybridSearch"/>: in process for the embedded index, on the server for
/// Qdrant). A store without keyword search answers by the embedding alone.
/// </summary>
public sealed class HybridRetriever
{
    public const int MaxTop = 100;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly IVectorStore _store;
    private readonly HybridRetrieverOptions _options;

    public HybridRetriever(
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        IVectorStore store,
        HybridRetrieverOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        ArgumentNullException.ThrowIfNull(store);
        options ??= new HybridRetrieverOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CandidatesPerList, nameof(options));
        _embeddings = embeddings;
        _store = store;
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

            IReadOnlyList<ScoredChunk> hits;
            if (_store is IHybridSearch hybrid)
            {
                hits = await hybrid.SearchHybridAsync(
                    new HybridQuery(query, vector, top, Math.Max(_options.CandidatesPerList, top)), filter, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                using (QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.DenseSpan))
                {
                    hits = await _store.SearchAsync(vector, top, filter, cancellationToken).ConfigureAwait(false);
                }
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
