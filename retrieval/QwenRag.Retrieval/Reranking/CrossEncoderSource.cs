using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Reranking;

/// <summary>Opens sentence-transformers cross-encoder folders (see <see cref="CrossEncoderReranker.TryOpen"/>).</summary>
public sealed class CrossEncoderSource : IRerankerSource
{
    public IReranker? TryOpen(string model, int? threads) =>
        CrossEncoderReranker.TryOpen(model, new CrossEncoderOptions { IntraOpThreads = threads });
}
