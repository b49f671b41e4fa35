namespace QwenRag.Retrieval.Fusion;

/// <summary>How <see cref="HybridRetriever"/> gathers candidates.</summary>
public sealed record HybridRetrieverOptions
{
    /// <summary>Candidates taken from each of the dense and keyword searches before fusing (raised to <c>top</c> when smaller).</summary>
    public int CandidatesPerList { get; init; } = 50;

    /// <summary>Fused hits a reranker scores, when there is one (raised to <c>top</c> when smaller; 1 to <see cref="HybridRetriever.MaxTop"/>).</summary>
    public int RerankCandidates { get; init; } = Reranking.RerankingOptions.DefaultCandidates;
}
