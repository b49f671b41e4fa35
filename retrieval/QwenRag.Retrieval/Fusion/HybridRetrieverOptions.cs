namespace QwenRag.Retrieval.Fusion;

/// <summary>How <see cref="HybridRetriever"/> gathers candidates.</summary>
public sealed record HybridRetrieverOptions
{
    /// <summary>Candidates taken from each of the dense and keyword searches before fusing (raised to <c>top</c> when smaller).</summary>
    public int CandidatesPerList { get; init; } = 50;
}
