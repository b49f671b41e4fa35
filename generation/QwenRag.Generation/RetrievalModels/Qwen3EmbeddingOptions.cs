using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>How a <see cref="Qwen3EmbeddingGenerator"/> embeds.</summary>
public sealed record Qwen3EmbeddingOptions
{
    /// <summary>Qwen3-Embedding's task for web-search style retrieval, from its model card.</summary>
    public const string DefaultQueryInstruction = "Given a web search query, retrieve relevant passages that answer the query";

    public const int DefaultMaxInputTokens = 8192;

    /// <summary>The task a query is embedded with: <c>Instruct: {task}\nQuery:{query}</c>. Documents are embedded bare.</summary>
    public string QueryInstruction { get; init; } = DefaultQueryInstruction;

    /// <summary>
    /// Most tokens per text, the appended &lt;|endoftext|&gt; included; lowered further to the checkpoint's
    /// max_position_embeddings. Longer texts are truncated before the appended token.
    /// </summary>
    /// <remarks>
    /// ONNX Runtime's CPU attention holds heads x length² scores for one text: 4.3 GB for 16 heads at 8192 tokens,
    /// 17 MB at 512. Chunks and queries are far shorter; lower this where such texts can arrive.
    /// </remarks>
    public int MaxInputTokens { get; init; } = DefaultMaxInputTokens;

    /// <summary>
    /// Most padded tokens (texts x longest) per pass: bounds a pass's activations. A single text longer than this
    /// runs alone.
    /// </summary>
    public int BatchTokens { get; init; } = 8192;

    /// <summary>Most texts per pass.</summary>
    public int MaxBatchSize { get; init; } = 32;

    public QwenRuntimeOptions Runtime { get; init; } = new();

    internal void Validate()
    {
        ArgumentNullException.ThrowIfNull(QueryInstruction);
        ArgumentNullException.ThrowIfNull(Runtime);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxInputTokens, 2);
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchTokens, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxBatchSize, 1);
    }
}
