using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.RetrievalModels;
using QwenRag.Generation.Tests.Reference;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>
/// A Qwen3 causal LM as a reranker: the judging prompt, then P("yes") from the "yes" and "no" logits at the last
/// position, against the reference forward pass's logits.
/// </summary>
public sealed class Qwen3RerankerTests(Qwen3RetrievalFixture fixture, ITestOutputHelper output) : IClassFixture<Qwen3RetrievalFixture>
{
    [Fact]
    public async Task Scores_AreReferenceYesProbabilityAtLastPosition()
    {
        var options = new Qwen3RerankerOptions { Instruction = "Find the license clause" };
        using var reranker = Open(options);
        const string query = "may I distribute only some files?";
        string[] passages = ["Distribution of only part of the Work is considered modification.", "ok", "Die Blockzitate werden zweimal gesetzt."];
        var scores = await reranker.ScoreAsync(query, passages);
        Assert.Equal(passages.Length, scores.Count);

        using var checkpoint = SafetensorsCheckpoint.Open(fixture.RerankerDirectory);
        var yes = fixture.Tokenizer.TokenId("yes")!.Value;
        var no = fixture.Tokenizer.TokenId("no")!.Value;
        for (var i = 0; i < passages.Length; i++)
        {
            int[] expectedPrompt =
            [
                .. fixture.Tokenizer.Encode(Qwen3Reranker.SystemPrompt),
                .. fixture.Tokenizer.Encode($"<Instruct>: Find the license clause\n<Query>: {query}\n<Document>: {passages[i]}"),
                .. fixture.Tokenizer.Encode(Qwen3Reranker.AssistantPrompt),
            ];
            Assert.Equal(expectedPrompt, reranker.Prompt(query, passages[i]));
            var logits = QwenReference.LastLogits(checkpoint, expectedPrompt);
            var expected = 1 / (1 + Math.Exp(logits[no] - logits[yes]));
            output.WriteLine($"passage {i}: score {scores[i]:F6}, reference {expected:F6} (yes {logits[yes]:F4}, no {logits[no]:F4})");
            Assert.InRange(scores[i], expected - 1e-5, expected + 1e-5);
        }

        // Different passages get different scores from random weights; equal ones would hide a pooling mistake.
        Assert.Equal(passages.Length, scores.Distinct().Count());
    }

    [Fact]
    public async Task LongDocument_IsTruncatedSoThePromptFits()
    {
        using var reranker = Open();
        Assert.Equal(Qwen3RetrievalFixture.RerankerPositions, reranker.MaxInputTokens);
        var document = string.Join(' ', Enumerable.Range(0, 300).Select(i => $"clause{i}"));
        var prompt = reranker.Prompt("query", document);
        Assert.Equal(reranker.MaxInputTokens, prompt.Count);
        var suffix = fixture.Tokenizer.Encode(Qwen3Reranker.AssistantPrompt);
        Assert.Equal(suffix, prompt.Skip(prompt.Count - suffix.Count));
        var scores = await reranker.ScoreAsync("query", [document]);
        Assert.InRange(scores[0], 0f, 1f);
    }

    [Fact]
    public void Source_RecognisesCausalLmButNotEmbeddingCheckpoint()
    {
        var source = new Qwen3RerankerSource(fixture.Cache);
        Assert.Null(source.TryOpen(fixture.EmbeddingDirectory, 1));
        Assert.Null(source.TryOpen("cross-encoder/ms-marco-MiniLM-L-6-v2", 1));
        Assert.Null(source.TryOpen(Path.Combine(fixture.Root, "missing"), 1));
        using var reranker = source.TryOpen(fixture.RerankerDirectory, 1);
        Assert.Equal("Qwen3-Reranker-tiny", Assert.IsType<Qwen3Reranker>(reranker).ModelId);
    }

    [Fact]
    public void CausalLmBuild_OfBaseModelWithoutHead_IsRefused()
    {
        using (var checkpoint = SafetensorsCheckpoint.Open(fixture.EmbeddingDirectory))
        {
            Assert.True(checkpoint.IsBaseModel);
            Assert.False(checkpoint.HasLanguageModelHead);
            Assert.Contains(QwenTensorNames.EmbedTokens, checkpoint.TensorNames);
        }

        var exception = Assert.Throws<ArgumentException>(
            () => QwenOnnxBuilder.Build(fixture.EmbeddingDirectory, Path.Combine(fixture.Root, "refused")));
        Assert.Contains("no lm_head", exception.Message, StringComparison.Ordinal);
    }

    private Qwen3Reranker Open(Qwen3RerankerOptions? options = null) =>
        (Qwen3Reranker)new Qwen3RerankerSource(fixture.Cache, options).TryOpen(fixture.RerankerDirectory, 1)!;
}
