namespace QwenRag.Core;

/// <param name="Results">The hits, best first.</param>
/// <param name="Reranker">
/// The reranking model that ordered the hits (then each score is that model's relevance score); null when the hits are
/// in fused order with fused (RRF) scores.
/// </param>
public sealed record SearchResponse(IReadOnlyList<SearchResult> Results, string? Reranker = null);
