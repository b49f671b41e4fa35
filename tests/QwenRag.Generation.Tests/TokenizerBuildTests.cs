using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Tests;

public sealed class TokenizerBuildTests(TokenizerFixture fixture) : IClassFixture<TokenizerFixture>
{
    [Fact]
    public void ModelBuildCopiesTheTokenizerFilesWhenTheCheckpointHasThem()
    {
        using var folder = new CheckpointTestFolder();
        var checkpoint = folder.File("hf");
        var output = folder.File("onnx");
        TinyCheckpoint.Write(checkpoint, new TinyCheckpointOptions());
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(fixture.Directory, name), Path.Combine(checkpoint, name));
        }

        QwenOnnxBuilder.Build(checkpoint, output);

        Assert.True(File.Exists(Path.Combine(output, "tokenizer_config.json")));
        Assert.True(QwenTokenizer.Exists(output));
        var copied = QwenTokenizer.Load(output);
        var (text, ids) = fixture.Cases[0];
        Assert.Equal(ids, copied.Encode(text));
    }

    [Fact]
    public void ModelBuildWithoutTokenizerFilesWritesNone()
    {
        using var folder = new CheckpointTestFolder();
        var checkpoint = folder.File("hf");
        var output = folder.File("onnx");
        TinyCheckpoint.Write(checkpoint, new TinyCheckpointOptions());

        QwenOnnxBuilder.Build(checkpoint, output);

        Assert.False(QwenTokenizer.Exists(output));
    }
}
