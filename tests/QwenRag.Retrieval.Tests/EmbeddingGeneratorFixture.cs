using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests;

/// <summary>One all-MiniLM-L6-v2 load for all embedding tests (loading takes about a second).</summary>
public sealed class EmbeddingGeneratorFixture : IDisposable
{
    public SentenceEmbeddingGenerator Generator { get; } = new(new SentenceEmbeddingOptions { Model = SentenceEmbeddingModel.MiniLm, BatchSize = 4 });

    public void Dispose() => Generator.Dispose();
}
