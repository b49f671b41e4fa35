namespace QwenRag.Cli.Bench;

/// <summary>What <c>bench retrieval --reranker</c> prints as JSON: the fused order, then each candidate count reranked.</summary>
internal sealed record RerankingComparison(RetrievalEvaluation Fused, IReadOnlyList<RerankedEvaluation> Reranked);
