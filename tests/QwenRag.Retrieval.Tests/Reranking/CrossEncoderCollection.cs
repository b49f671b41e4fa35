namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>The test classes that share one <see cref="CrossEncoderFixture"/> (one folder written, one model loaded).</summary>
[CollectionDefinition(Name)]
public sealed class CrossEncoderCollection : ICollectionFixture<CrossEncoderFixture>
{
    public const string Name = "cross-encoder";
}
