using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>How <see cref="SentenceEmbeddingGenerator"/> runs a model.</summary>
public sealed record SentenceEmbeddingOptions
{
    /// <summary>The model; the default is <see cref="EmbeddingOptions.DefaultModel"/>.</summary>
    public SentenceEmbeddingModel Model { get; init; } = SentenceEmbeddingModel.Default;

    /// <summary>What the texts are embedded as: the role picks the model's prefix (queries or documents).</summary>
    public EmbeddingRole Role { get; init; } = EmbeddingRole.Document;

    /// <summary>Texts per model run. Inputs are sorted by length within a call, so a batch pads little.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ONNX Runtime intra-op threads; null uses every processor.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Whether idle intra-op threads spin waiting for work. Spinning shaves microseconds off back-to-back runs but
    /// burns cores that searches, answers and ingestion sharing the machine need, so it is off unless asked for.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Tokens per text, special tokens and prefix included (at most the model's window); null takes the model's.</summary>
    public int? MaxInputTokens { get; init; }
}
