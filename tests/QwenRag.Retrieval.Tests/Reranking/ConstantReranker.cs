using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>A reranker whose scores a test chooses (by default all zero); records what it was asked.</summary>
internal sealed class ConstantReranker(string modelId, Func<IReadOnlyList<string>, CancellationToken, IReadOnlyList<float>>? score = null) : IReranker
{
    public string ModelId { get; } = modelId;

    public List<IReadOnlyList<string>> Calls { get; } = [];

    public bool Disposed { get; private set; }

    public Task<IReadOnlyList<float>> ScoreAsync(string query, IReadOnlyList<string> passages, CancellationToken cancellationToken = default)
    {
        Calls.Add(passages);
        return Task.FromResult(score?.Invoke(passages, cancellationToken) ?? new float[passages.Count]);
    }

    public void Dispose() => Disposed = true;
}
