using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.RetrievalModels;

namespace QwenRag.Generation.Tests;

/// <summary>
/// Tiny random Qwen3 checkpoints with the real Qwen tokenizer (vocabulary 151,936, so every id it makes is in
/// range): a Qwen3-Embedding-style base model (no <c>model.</c> prefix, no lm_head) and a causal LM for the reranker,
/// plus a graph cache, all in one temporary folder.
/// </summary>
public sealed class Qwen3RetrievalFixture : IDisposable
{
    public Qwen3RetrievalFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "qwenrag-qwen3-" + Guid.NewGuid().ToString("N"));
        var tokenizer = new TokenizerFixture();
        Tokenizer = tokenizer.Tokenizer;
        EmbeddingDirectory = Path.Combine(Root, "Qwen3-Embedding-tiny");
        RerankerDirectory = Path.Combine(Root, "Qwen3-Reranker-tiny");
        TinyCheckpoint.Write(EmbeddingDirectory, Options with { BaseModel = true, Seed = 11 });
        TinyCheckpoint.Write(RerankerDirectory, Options with { Seed = 12, MaxPositions = RerankerPositions });
        foreach (var directory in new[] { EmbeddingDirectory, RerankerDirectory })
        {
            File.Copy(Path.Combine(tokenizer.Directory, "tokenizer.json"), Path.Combine(directory, "tokenizer.json"));
            File.Copy(Path.Combine(tokenizer.Directory, "tokenizer_config.json"), Path.Combine(directory, "tokenizer_config.json"));
        }

        Cache = new Qwen3GraphCache(Path.Combine(Root, "models"));
    }

    /// <summary>Qwen3's vocabulary with two small layers; max_position_embeddings 64 so that truncation is cheap to reach.</summary>
    public static TinyCheckpointOptions Options { get; } = new()
    {
        Architecture = QwenArchitecture.Qwen3,
        Layers = 2,
        Hidden = 32,
        Heads = 2,
        KvHeads = 1,
        Intermediate = 48,
        Vocab = 151936,
        MaxPositions = 64,
        RopeTheta = 1000000,
        Scale = 0.1f,
    };

    /// <summary>The reranker's max_position_embeddings: room for the judging prompt and a short pair.</summary>
    public const int RerankerPositions = 160;

    public string Root { get; }

    public Tokenization.QwenTokenizer Tokenizer { get; }

    public string EmbeddingDirectory { get; }

    public string RerankerDirectory { get; }

    public Qwen3GraphCache Cache { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
