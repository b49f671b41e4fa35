using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using QwenRag.Core.Models;
using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Retrieval.Tests;

/// <summary>
/// Sentence-transformers folders read by <see cref="SentenceModelFolder"/> and run by <see cref="SentenceEmbeddingGenerator"/>:
/// the real MiniLM ONNX file and vocabulary with the configuration files a sentence-transformers export has.
/// </summary>
public sealed class SentenceModelFolderTests(SentenceModelFolderFixture fixture) : IClassFixture<SentenceModelFolderFixture>
{
    private static readonly string[] Texts =
    [
        "The harbour master keeps the tide tables.",
        "Quarterly revenue rose by 12 percent.",
        "How do I reset my password?",
    ];

    [Fact]
    public void Folder_MiniLmExport_SameVectorsAsTheShippedModel()
    {
        var folder = fixture.Folder("my-minilm", SentenceModelFolderFixture.SentenceTransformersFiles());
        using var generator = Open(folder, EmbeddingRole.Document);

        var expected = fixture.Shipped.Embed(Texts);
        var actual = generator.Embed(Texts);

        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], (a, b) => Math.Abs(a - b) < 1e-5f);
        }

        Assert.Equal(new EmbeddingModelInfo("my-minilm", 384, 256), generator.GetService<EmbeddingModelInfo>());
        Assert.Equal("my-minilm", generator.GetService<EmbeddingGeneratorMetadata>()?.DefaultModelId);
    }

    [Fact]
    public void Folder_ClsPoolingInOnnxSubfolder_TheFirstTokensVectorNotTheMean()
    {
        var mean = fixture.Folder("mean", SentenceModelFolderFixture.SentenceTransformersFiles("mean"));
        var cls = fixture.Folder("cls", SentenceModelFolderFixture.SentenceTransformersFiles("cls"), onnxSubfolder: true);
        Assert.Equal(EmbeddingPooling.Cls, SentenceModelFolder.Read(cls).Pooling);
        Assert.Equal(EmbeddingPooling.Mean, SentenceModelFolder.Read(mean).Pooling);
        Assert.Equal(EmbeddingPooling.LastToken, SentenceModelFolder.Read(fixture.Folder("last", SentenceModelFolderFixture.SentenceTransformersFiles("last"))).Pooling);

        using var generator = Open(cls, EmbeddingRole.Document);
        var pooledByCls = generator.Embed(Texts);
        var pooledByMean = fixture.Shipped.Embed(Texts);

        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(1.0, Math.Sqrt(pooledByCls[i].Sum(x => x * (double)x)), 4);
            Assert.True(EmbeddingGeneratorTests.Cosine(pooledByCls[i], pooledByMean[i]) < 0.99, $"text {i}: CLS pooling gave the mean's vector");
        }

        // CLS vectors of different texts still differ (the first row of each batch row is read, not of the batch).
        Assert.True(EmbeddingGeneratorTests.Cosine(pooledByCls[0], pooledByCls[1]) < 0.99);
    }

    [Fact]
    public void Folder_Prompts_QueryRoleGetsTheQueryPrefixDocumentRoleTheDocumentOne()
    {
        var folder = fixture.Folder("prompted", SentenceModelFolderFixture.SentenceTransformersFiles(
            prompts: """{"query": "search query: ", "document": "search document: "}"""));
        var model = SentenceModelFolder.Read(folder);
        Assert.Equal(("search query: ", "search document: "), (model.QueryPrefix, model.DocumentPrefix));
        using var query = Open(folder, EmbeddingRole.Query);

        // The query role embeds "search query: text" exactly as the shipped model embeds that whole string.
        var expected = fixture.Shipped.Embed(Texts.Select(t => "search query: " + t).ToArray());
        var actual = query.Embed(Texts);
        for (var i = 0; i < Texts.Length; i++)
        {
            Assert.Equal(expected[i], actual[i], (a, b) => Math.Abs(a - b) < 1e-5f);
        }

        Assert.Equal(fixture.Shipped.Tokenize("search query: tide"), query.Tokenize("tide"));
    }

    [Fact]
    public void Shipped_ArcticXs_ClsPoolingAndTheRetrievalPrefixOnQueriesOnly()
    {
        var arctic = SentenceEmbeddingModel.FindShipped("arctic-xs")!;
        Assert.Same(SentenceEmbeddingModel.ArcticXs, SentenceEmbeddingModel.FindShipped("Snowflake-Arctic-Embed-XS"));
        Assert.Same(SentenceEmbeddingModel.MiniLm, SentenceEmbeddingModel.FindShipped("minilm"));
        Assert.Equal(("snowflake-arctic-embed-xs", EmbeddingPooling.Cls, 512), (arctic.Id, arctic.Pooling, arctic.MaxInputTokens));
        Assert.Equal("Represent this sentence for searching relevant passages: ", arctic.PrefixFor(EmbeddingRole.Query));
        Assert.Equal(string.Empty, arctic.PrefixFor(EmbeddingRole.Document));
        Assert.Equal(string.Empty, SentenceEmbeddingModel.MiniLm.PrefixFor(EmbeddingRole.Query));
    }

    [Fact]
    public void Source_NamesAndFolders_OpensItsOwnAndPassesOnTheRest()
    {
        var source = new SentenceEmbeddingModelSource();

        Assert.Null(source.TryOpen("text-embedding-3-large", EmbeddingRole.Document, 1));
        Assert.Null(source.TryOpen(fixture.Folder("no-onnx", new Dictionary<string, string>(), withModel: false), EmbeddingRole.Document, 1));
        using var opened = source.TryOpen(fixture.Folder("plain", new Dictionary<string, string>()), EmbeddingRole.Query, 1);
        Assert.Equal("plain", opened?.GetService<EmbeddingModelInfo>()?.ModelId);
        Assert.Equal(512, opened?.GetService<EmbeddingModelInfo>()?.MaxInputTokens);
    }

    [Theory]
    [InlineData("modules.json", "{", "modules.json' is malformed: it is not valid JSON")]
    [InlineData("modules.json", """{"type": "x"}""", "modules.json' is malformed: it must be an array")]
    [InlineData("modules.json", """[{"type": "sentence_transformers.models.Pooling", "path": "../../etc"}]""", "leaves the model folder")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_max_tokens": true}""", "config.json' is malformed: none of pooling_mode_mean_tokens")]
    [InlineData("1_Pooling/config.json", """{"pooling_mode_cls_token": "yes"}""", "pooling_mode_cls_token must be true or false")]
    [InlineData("sentence_bert_config.json", """{"max_seq_length": 100000}""", "max_seq_length must be a whole number from 2 to 8192")]
    [InlineData("config_sentence_transformers.json", """{"prompts": {"query": 7}}""", "prompt \"query\" must be a string")]
    [InlineData("config_sentence_transformers.json", """{"prompts": [[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}""", "config_sentence_transformers.json' is malformed: it is not valid JSON")]
    public void Read_MalformedFile_ErrorNamesTheFileAndTheProblem(string file, string content, string expected)
    {
        var folder = fixture.Folder("bad", new Dictionary<string, string> { [file] = content });

        var error = Assert.Throws<ArgumentException>(() => SentenceModelFolder.Read(folder));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(folder, file), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_OversizedConfigOrMissingVocabulary_Refused()
    {
        var big = fixture.Folder("big", new Dictionary<string, string> { ["modules.json"] = "[" + new string(' ', SentenceModelFolder.MaxConfigBytes) + "]" });
        Assert.Contains("is larger than 1024 KiB", Assert.Throws<ArgumentException>(() => SentenceModelFolder.Read(big)).Message, StringComparison.Ordinal);

        var noVocabulary = fixture.Folder("no-vocab", new Dictionary<string, string>());
        File.Delete(Path.Combine(noVocabulary, "vocab.txt"));
        Assert.Contains("has neither vocab.txt nor tokenizer.json", Assert.Throws<ArgumentException>(() => SentenceModelFolder.Read(noVocabulary)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Options_UnknownModel_FailsListingTheShippedOnes()
    {
        var validator = new EmbeddingOptions.Validator();

        var unknown = validator.Validate(null, new EmbeddingOptions { Model = "bge-large" });
        Assert.True(unknown.Failed);
        Assert.Contains("Unknown embedding model 'bge-large'", unknown.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2 (minilm), snowflake-arctic-embed-xs (arctic-xs)", unknown.FailureMessage, StringComparison.Ordinal);
        Assert.True(validator.Validate(null, new EmbeddingOptions { Model = "minilm" }).Succeeded);
        Assert.True(validator.Validate(null, new EmbeddingOptions()).Succeeded);
        Assert.Equal("snowflake-arctic-embed-xs", new EmbeddingOptions().Model);

        var models = new EmbeddingModels([new SentenceEmbeddingModelSource()], Options.Create(new EmbeddingOptions()));
        var folder = fixture.Folder("empty", new Dictionary<string, string>(), withModel: false);
        Assert.Contains("needs model.onnx", Assert.Throws<InvalidOperationException>(() => models.Open(folder, EmbeddingRole.Document, 1)).Message, StringComparison.Ordinal);
    }

    private static SentenceEmbeddingGenerator Open(string folder, EmbeddingRole role) =>
        new(new SentenceEmbeddingOptions { Model = SentenceModelFolder.Read(folder), Role = role, IntraOpThreads = 1 });
}
