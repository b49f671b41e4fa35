using Microsoft.Extensions.AI;
using QwenRag.Core.Models;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.RetrievalModels;
using QwenRag.Generation.Tests.Reference;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>
/// A Qwen3-Embedding-style checkpoint (no <c>model.</c> prefix, no lm_head) through the builder's hidden-state graph
/// and <see cref="Qwen3EmbeddingGenerator"/>, against the reference forward pass's final-norm hidden state at the
/// appended &lt;|endoftext|&gt;, L2-normalised.
/// </summary>
public sealed class Qwen3EmbeddingTests(Qwen3RetrievalFixture fixture, ITestOutputHelper output) : IClassFixture<Qwen3RetrievalFixture>
{
    private const double Tolerance = 1e-4;

    private static readonly string[] Documents =
    [
        "Blockzitate benötigen zum Setzen alle Zitate zweimal.",
        "x",
        "The LaTeX Project Public License lets you distribute a modified work under a new name, as long as the original copyright notice stays.",
        "数学公式",
    ];

    [Fact]
    public async Task Documents_BatchOfDifferentLengths_EqualReferenceAtLastTokenNormalised()
    {
        using var generator = Open(EmbeddingRole.Document);
        var embeddings = await generator.GenerateAsync(Documents);
        using var checkpoint = SafetensorsCheckpoint.Open(fixture.EmbeddingDirectory);
        Assert.True(checkpoint.IsBaseModel);
        var endOfText = fixture.Tokenizer.TokenId("<|endoftext|>")!.Value;
        double worst = 0;
        for (var i = 0; i < Documents.Length; i++)
        {
            // Documents are embedded bare: the text's ids, then <|endoftext|>.
            int[] ids = [.. fixture.Tokenizer.Encode(Documents[i]), endOfText];
            Assert.Equal(ids, generator.Tokenize(Documents[i]));
            var expected = Normalised(QwenReference.HiddenStates(checkpoint, ids)[^1]);
            worst = Math.Max(worst, MaxDifference(expected, embeddings[i].Vector.Span));
            Assert.Equal(1.0, Norm(embeddings[i].Vector.Span), 5);
        }

        output.WriteLine($"max |difference| to the reference: {worst:E2}");
        Assert.True(worst <= Tolerance, $"max |difference| {worst:E3} > {Tolerance:E1}");

        // Padding changes nothing: each text alone gives the vector it got in the batch.
        foreach (var i in new[] { 1, 2 })
        {
            var alone = await generator.GenerateAsync([Documents[i]]);
            Assert.True(MaxDifference(embeddings[i].Vector.Span.ToArray(), alone[0].Vector.Span) <= 1e-5, $"document {i} alone differs from its batched vector");
        }
    }

    [Fact]
    public async Task Query_IsPrefixedWithInstruction()
    {
        var options = new Qwen3EmbeddingOptions { QueryInstruction = "Find the manual page" };
        using var query = Open(EmbeddingRole.Query, options);
        using var document = Open(EmbeddingRole.Document, options);
        const string text = "how are block quotes set?";
        var endOfText = fixture.Tokenizer.TokenId("<|endoftext|>")!.Value;
        int[] ids = [.. fixture.Tokenizer.Encode("Instruct: Find the manual page\nQuery:" + text), endOfText];
        Assert.Equal(ids, query.Tokenize(text));

        var vectors = await query.GenerateAsync([text]);
        using var checkpoint = SafetensorsCheckpoint.Open(fixture.EmbeddingDirectory);
        var expected = Normalised(QwenReference.HiddenStates(checkpoint, ids)[^1]);
        Assert.True(MaxDifference(expected, vectors[0].Vector.Span) <= Tolerance);
        var bare = await document.GenerateAsync([text]);
        Assert.True(MaxDifference(bare[0].Vector.Span.ToArray(), vectors[0].Vector.Span) > 1e-3, "the query vector ignores its instruction");
    }

    [Fact]
    public async Task LongText_IsTruncatedBeforeTheAppendedToken()
    {
        // max_position_embeddings is 64: the bound, <|endoftext|> included.
        using var generator = Open(EmbeddingRole.Document);
        Assert.Equal(Qwen3RetrievalFixture.Options.MaxPositions, generator.MaxInputTokens);
        var text = string.Join(' ', Enumerable.Range(0, 200).Select(i => $"word{i}"));
        var ids = generator.Tokenize(text);
        Assert.Equal(generator.MaxInputTokens, ids.Count);
        Assert.Equal(fixture.Tokenizer.TokenId("<|endoftext|>"), ids[^1]);
        Assert.Equal(fixture.Tokenizer.Encode(text).Take(ids.Count - 1), ids.Take(ids.Count - 1));

        var vectors = await generator.GenerateAsync([text, "short"]);
        using var checkpoint = SafetensorsCheckpoint.Open(fixture.EmbeddingDirectory);
        var expected = Normalised(QwenReference.HiddenStates(checkpoint, [.. ids])[^1]);
        Assert.True(MaxDifference(expected, vectors[0].Vector.Span) <= Tolerance);
    }

    [Fact]
    public void Generator_AnswersModelInfoAndMetadata()
    {
        using var generator = Open(EmbeddingRole.Query);
        var info = Assert.IsType<EmbeddingModelInfo>(generator.GetService(typeof(EmbeddingModelInfo)));
        Assert.Equal(new EmbeddingModelInfo("Qwen3-Embedding-tiny", Qwen3RetrievalFixture.Options.Hidden, Qwen3RetrievalFixture.Options.MaxPositions), info);
        var metadata = Assert.IsType<EmbeddingGeneratorMetadata>(generator.GetService(typeof(EmbeddingGeneratorMetadata)));
        Assert.Equal("Qwen3-Embedding-tiny", metadata.DefaultModelId);
        Assert.Equal(Qwen3RetrievalFixture.Options.Hidden, metadata.DefaultModelDimensions);
    }

    [Fact]
    public void Source_RecognisesOnlyQwen3Checkpoints()
    {
        var source = new Qwen3EmbeddingSource(fixture.Cache);
        Assert.Null(source.TryOpen("all-MiniLM-L6-v2", EmbeddingRole.Document, 1));
        Assert.Null(source.TryOpen(fixture.Root, EmbeddingRole.Document, 1));
        var qwen2 = Path.Combine(fixture.Root, "qwen2");
        TinyCheckpoint.Write(qwen2, ModelFixture.Small);
        Assert.Null(source.TryOpen(qwen2, EmbeddingRole.Document, 1));

        // A Qwen3 folder without tokenizer.json is Qwen3's but malformed.
        var noTokenizer = Path.Combine(fixture.Root, "qwen3-no-tokenizer");
        TinyCheckpoint.Write(noTokenizer, ModelFixture.Small with { Architecture = QwenArchitecture.Qwen3, BaseModel = true });
        var exception = Assert.Throws<ArgumentException>(() => source.TryOpen(noTokenizer, EmbeddingRole.Document, 1));
        Assert.Contains("tokenizer.json", exception.Message, StringComparison.Ordinal);

        using var generator = source.TryOpen(fixture.EmbeddingDirectory, EmbeddingRole.Document, 1);
        Assert.IsType<Qwen3EmbeddingGenerator>(generator);
    }

    private Qwen3EmbeddingGenerator Open(EmbeddingRole role, Qwen3EmbeddingOptions? options = null) =>
        (Qwen3EmbeddingGenerator)new Qwen3EmbeddingSource(fixture.Cache, options).TryOpen(fixture.EmbeddingDirectory, role, 1)!;

    private static float[] Normalised(float[] vector)
    {
        var norm = Norm(vector);
        return vector.Select(value => (float)(value / norm)).ToArray();
    }

    private static double Norm(ReadOnlySpan<float> vector)
    {
        double squares = 0;
        foreach (var value in vector)
        {
            squares += (double)value * value;
        }

        return Math.Sqrt(squares);
    }

    private static double MaxDifference(float[] expected, ReadOnlySpan<float> actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (var i = 0; i < expected.Length; i++)
        {
            var difference = Math.Abs((double)expected[i] - actual[i]);
            Assert.False(double.IsNaN(difference));
            max = Math.Max(max, difference);
        }

        return max;
    }
}
