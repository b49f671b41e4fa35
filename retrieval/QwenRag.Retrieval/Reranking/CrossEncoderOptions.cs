namespace QwenRag.Retrieval.Reranking;

/// <summary>How a <see cref="CrossEncoderReranker"/> runs its model.</summary>
public sealed record CrossEncoderOptions
{
    /// <summary>Pairs scored per model run (padded to the longest of them).</summary>
    public int BatchSize { get; init; } = 16;

    /// <summary>Word pieces per pair, specials included; null: the model's window (config and tokenizer files, else 512).</summary>
    public int? MaxInputTokens { get; init; }

    /// <summary>ONNX Runtime intra-op threads; null uses every core.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>Passages one call may score.</summary>
    public int MaxPassages { get; init; } = 1000;
}
