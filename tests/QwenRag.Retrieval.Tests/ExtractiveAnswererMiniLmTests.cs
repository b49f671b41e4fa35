using QwenRag.Retrieval.Answering;

namespace QwenRag.Retrieval.Tests;

/// <summary>The same hand-made passages as <see cref="ExtractiveAnswererTests"/>, scored with the real all-MiniLM-L6-v2.</summary>
public sealed class ExtractiveAnswererMiniLmTests(HybridMiniLmFixture fixture) : IClassFixture<HybridMiniLmFixture>
{
    [Theory]
    [MemberData(nameof(ExtractiveAnswererTests.AnswerPassages), MemberType = typeof(ExtractiveAnswererTests))]
    public Task AnswerAsync_RealEmbeddings_QuotesTheAnswerSentence(string question, string passage, string expected) =>
        ExtractiveAnswererTests.AssertQuotesAnswerAsync(new ExtractiveAnswerer(fixture.Embeddings), question, passage, expected);
}
