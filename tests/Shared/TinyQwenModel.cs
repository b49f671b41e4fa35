using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;

namespace QwenRag.Tests;

/// <summary>
/// A tiny random-weight Qwen2 model (1 layer, hidden 32) with the real Qwen tokenizer from <c>shared/qwen-tokenizer</c>
/// and the full vocabulary, so that prompts, special tokens and citations go through the real code; seeded, so greedy
/// decoding gives the same tokens every time.
/// </summary>
internal static class TinyQwenModel
{
    public const int ContextLength = 4096;

    /// <summary>Writes the checkpoint to <paramref name="directory"/>/checkpoint and the ONNX model folder it returns to <paramref name="directory"/>/model.</summary>
    public static string Build(string directory)
    {
        var checkpoint = Path.Combine(directory, "checkpoint");
        var model = Path.Combine(directory, "model");
        TinyCheckpoint.Write(checkpoint, new TinyCheckpointOptions
        {
            Vocab = 151936,
            Hidden = 32,
            Intermediate = 64,
            Layers = 1,
            Heads = 2,
            KvHeads = 1,
            HeadDim = 16,
            MaxPositions = ContextLength,
            EosTokenId = 151645,
        });
        var tokenizer = Path.Combine(Path.GetDirectoryName(TestCorpus.Root)!, "qwen-tokenizer");
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(tokenizer, name), Path.Combine(checkpoint, name));
        }

        QwenOnnxBuilder.Build(checkpoint, model);
        return model;
    }
}
