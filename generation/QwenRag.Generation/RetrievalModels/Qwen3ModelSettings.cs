using Microsoft.Extensions.Configuration;
using QwenRag.Generation.Answering;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>The configuration the Qwen3 embedding and reranker sources read.</summary>
public sealed record Qwen3ModelSettings
{
    /// <summary><c>QwenRag:Embedding:QueryInstruction</c>.</summary>
    public const string QueryInstructionKey = "QwenRag:Embedding:QueryInstruction";

    /// <summary><c>QwenRag:Embedding:Device</c>: cpu (default) or cuda (an fp16 graph is converted for it).</summary>
    public const string EmbeddingDeviceKey = "QwenRag:Embedding:Device";

    /// <summary><c>QwenRag:Reranking:Instruction</c>.</summary>
    public const string RerankInstructionKey = "QwenRag:Reranking:Instruction";

    /// <summary><c>QwenRag:Reranking:Device</c>: cpu (default) or cuda.</summary>
    public const string RerankDeviceKey = "QwenRag:Reranking:Device";

    public Qwen3EmbeddingOptions Embedding { get; init; } = new();

    public Qwen3RerankerOptions Reranking { get; init; } = new();

    /// <exception cref="ArgumentException">A device is neither cpu nor cuda.</exception>
    public static Qwen3ModelSettings From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var embedding = new Qwen3EmbeddingOptions
        {
            QueryInstruction = NonEmpty(configuration[QueryInstructionKey]) ?? Qwen3EmbeddingOptions.DefaultQueryInstruction,
            Runtime = new QwenRuntimeOptions { Device = Device(configuration, EmbeddingDeviceKey) },
        };
        var reranking = new Qwen3RerankerOptions
        {
            Instruction = NonEmpty(configuration[RerankInstructionKey]) ?? Qwen3RerankerOptions.DefaultInstruction,
            Runtime = new QwenRuntimeOptions { Device = Device(configuration, RerankDeviceKey) },
        };
        return new Qwen3ModelSettings { Embedding = embedding, Reranking = reranking };
    }

    private static string? NonEmpty(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static ExecutionDevice Device(IConfiguration configuration, string key)
    {
        var text = configuration[key];
        if (string.IsNullOrWhiteSpace(text))
        {
            return ExecutionDevice.Cpu;
        }

        return QwenModelOptions.TryParseDevice(text, out var device)
            ? device
            : throw new ArgumentException($"{key} must be {QwenModelOptions.DeviceNames}, not '{text}'.");
    }
}
