namespace QwenRag.Core.Models;

/// <summary>
/// Scores how well each passage answers a query, reading both together (a cross-encoder, or a Qwen3-Reranker's
/// "yes" probability). Used to reorder the fused candidates of a search. Thread-safe; owns its native session.
/// </summary>
public interface IReranker : IDisposable
{
    /// <summary>The reranking model's name, as logs and responses show it.</summary>
    string ModelId { get; }

    /// <summary>One relevance score per passage, in the passages' order; higher is more relevant.</summary>
    Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default);
}
