using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests;

/// <summary>One all-MiniLM-L6-v2 generator for a test class: loading the model takes a moment.</summary>
public sealed class HybridMiniLmFixture : IDisposable
{
    public SentenceEmbeddingGenerator Embeddings { get; } = new(new SentenceEmbeddingOptions { Model = SentenceEmbeddingModel.MiniLm });

    public void Dispose() => Embeddings.Dispose();
}
