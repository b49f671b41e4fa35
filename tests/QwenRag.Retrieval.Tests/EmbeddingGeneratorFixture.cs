using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests;

/// <summary>One model load for all embedding tests (loading takes about a second).</summary>
public sealed class EmbeddingGeneratorFixture : IDisposable
{
    public MiniLmEmbeddingGenerator Generator { get; } = new(new MiniLmEmbeddingOptions { BatchSize = 4 });

    public void Dispose() => Generator.Dispose();
}
