using QwenRag.Core.Models;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>Which folders are cross-encoders, and the errors for those that look like one but are malformed.</summary>
[Collection(CrossEncoderCollection.Name)]
public sealed class CrossEncoderFolderTests(CrossEncoderFixture fixture)
{
    private const string Classifier = """{ "architectures": ["BertForSequenceClassification"], "max_position_embeddings": 512 }""";

    [Fact]
    public void TryOpen_EmbeddingModelFolder_IsNotACrossEncoder()
    {
        var folder = Folder(config: """{ "architectures": ["BertModel"] }""");

        Assert.Null(new CrossEncoderSource().TryOpen(folder, 1));
        var error = Assert.Throws<InvalidOperationException>(() => ConfiguredReranker.Open(folder, [new CrossEncoderSource()], 1));
        Assert.Contains("not a reranking model", error.Message, StringComparison.Ordinal);
        Assert.Contains(folder, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TryOpen_FolderThatDoesNotExist_ReturnsNull()
    {
        Assert.Null(new CrossEncoderSource().TryOpen(Path.Combine(fixture.Root, "missing"), 1));
    }

    [Fact]
    public async Task TryOpen_NoConfigButALogitsOutputInOnnxFolder_IsRecognised()
    {
        var folder = Folder(config: null, modelPath: Path.Combine("onnx", "model.onnx"));

        using var reranker = new CrossEncoderSource().TryOpen(folder, 1);

        Assert.NotNull(reranker);
        var passages = new[] { "Run cpupower frequency-set -g performance." };
        Assert.Equal(
            (await fixture.Reranker.ScoreAsync("governor", passages))[0],
            (await reranker.ScoreAsync("governor", passages))[0],
            1e-4f);
    }

    [Fact]
    public void TryOpen_NoConfigAndNoOnnxModel_ReturnsNull()
    {
        var folder = Folder(config: null, model: false);

        Assert.Null(new CrossEncoderSource().TryOpen(folder, 1));
    }

    [Theory]
    [InlineData("no-model", "model.onnx")]
    [InlineData("three-labels", "3 labels")]
    [InlineData("no-vocabulary", "vocab.txt")]
    [InlineData("not-onnx", "not an ONNX model")]
    [InlineData("bad-json", "not valid JSON")]
    public void Open_MalformedCrossEncoder_SaysWhatIsWrong(string kind, string expected)
    {
        var folder = kind switch
        {
            "no-model" => Folder(Classifier, model: false),
            "three-labels" => Folder("""{ "architectures": ["BertForSequenceClassification"], "num_labels": 3 }"""),
            "no-vocabulary" => Folder(Classifier, vocabulary: false),
            "not-onnx" => Folder(Classifier, garbageModel: true),
            _ => Folder("{ \"architectures\": [", model: false),
        };

        var direct = Assert.Throws<ArgumentException>(() => new CrossEncoderSource().TryOpen(folder, 1));
        var configured = Assert.Throws<InvalidOperationException>(() => ConfiguredReranker.Open(folder, [new CrossEncoderSource()], 1));

        Assert.Contains(expected, direct.Message, StringComparison.Ordinal);
        Assert.Contains(expected, configured.Message, StringComparison.Ordinal);
        Assert.Contains("malformed", configured.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_NotAFolder_SaysSo()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ConfiguredReranker.Open(Path.Combine(fixture.Root, "nowhere"), [new CrossEncoderSource()], 1));

        Assert.Contains("is not a folder", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TakesTheFirstSourceThatRecognisesTheFolder()
    {
        var declining = new CountingSource(null);
        var first = new CountingSource(new ConstantReranker("first"));
        var second = new CountingSource(new ConstantReranker("second"));

        using var reranker = ConfiguredReranker.Open(fixture.Folder, [declining, first, second], 1);

        Assert.Equal("first", reranker.ModelId);
        Assert.Equal((1, 1, 0), (declining.Calls, first.Calls, second.Calls));
    }

    private string Folder(string? config, bool model = true, bool vocabulary = true, bool garbageModel = false, string modelPath = "model.onnx")
    {
        var folder = Path.Combine(fixture.Root, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), config);
        }

        var target = Path.Combine(folder, modelPath);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        if (garbageModel)
        {
            File.WriteAllText(target, "this is not a protobuf model");
        }
        else if (model)
        {
            File.CreateSymbolicLink(target, Path.Combine(fixture.Folder, "model.onnx"));
        }

        if (vocabulary)
        {
            File.Copy(Path.Combine(fixture.Folder, "vocab.txt"), Path.Combine(folder, "vocab.txt"));
        }

        return folder;
    }

    private sealed class CountingSource(IReranker? reranker) : IRerankerSource
    {
        public int Calls { get; private set; }

        public IReranker? TryOpen(string model, int? threads)
        {
            Calls++;
            return reranker;
        }
    }
}
