namespace QwenRag.Retrieval.Embeddings;

/// <summary>How <see cref="MiniLmEmbeddingGenerator"/> runs the model.</summary>
public sealed record MiniLmEmbeddingOptions
{
    /// <summary>Texts per model run. Inputs are sorted by length within a call, so a batch pads little.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>ONNX Runtime intra-op threads; null uses every processor.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>
    /// Whether idle intra-op threads spin waiting for work. Spinning shaves microseconds off back-to-back runs but
    /// burns cores that searches, answers and ingestion sharing the machine need, so it is off unless asked for.
    /// </summary>
    public bool AllowSpinning { get; init; }

    /// <summary>Word pieces per text, [CLS] and [SEP] included; longer texts are truncated.</summary>
    public int MaxInputTokens { get; init; } = MiniLmResources.MaxInputTokens;
}
