namespace QwenRag.Cli.Bench;

/// <summary>One <c>bench retrieval --reranker</c> run: the reranker, the fused candidates it scored per search, and the evaluation.</summary>
internal sealed record RerankedEvaluation(string? Reranker, int Candidates, RetrievalEvaluation Result);
