using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>How a <see cref="Qwen3Reranker"/> scores.</summary>
public sealed record Qwen3RerankerOptions
{
    /// <summary>Qwen3-Reranker's default instruction, from its model card.</summary>
    public const string DefaultInstruction = "Given a web search query, retrieve relevant passages that answer the query";

    public const int DefaultMaxInputTokens = 8192;

    /// <summary>The <c>&lt;Instruct&gt;</c> of the prompt.</summary>
    public string Instruction { get; init; } = DefaultInstruction;

    /// <summary>Most tokens per prompt (lowered to the checkpoint's max_position_embeddings); the document is truncated to fit.</summary>
    /// <remarks>
    /// ONNX Runtime's CPU attention holds heads x length² scores for one text: 4.3 GB for 16 heads at 8192 tokens,
    /// 17 MB at 512. Chunks and queries are far shorter; lower this where such texts can arrive.
    /// </remarks>
    public int MaxInputTokens { get; init; } = DefaultMaxInputTokens;

    /// <summary>Most padded tokens (prompts x longest) per pass.</summary>
    public int BatchTokens { get; init; } = 8192;

    /// <summary>Most prompts per pass.</summary>
    public int MaxBatchSize { get; init; } = 16;

    public QwenRuntimeOptions Runtime { get; init; } = new();

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(Instruction);
        ArgumentNullException.ThrowIfNull(Runtime);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1);
    }
}
