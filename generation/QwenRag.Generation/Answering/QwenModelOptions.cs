using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Answering;

/// <summary>The Qwen model that answers questions: its folder, how it runs, and how requests share it.</summary>
public sealed record QwenModelOptions
{
    public const int DefaultMaxQueuedRequests = GenerationSchedulerOptions.DefaultMaxQueuedRequests;

    /// <summary>The names <see cref="TryParseDevice"/> accepts, as help texts show them.</summary>
    public const string DeviceNames = "cpu|cuda";

    /// <summary>A folder written by <see cref="Onnx.QwenOnnxBuilder"/> with tokenizer.json beside the model.</summary>
    public required string Directory { get; init; }

    public QwenRuntimeOptions Runtime { get; init; } = new();

    /// <summary>Requests allowed to wait for a slot or KV memory; 0 admits only running ones. Beyond it a request is refused.</summary>
    public int MaxQueuedRequests { get; init; } = DefaultMaxQueuedRequests;

    /// <summary>Sequences decoded together in one pass.</summary>
    public int MaxBatch { get; init; } = GenerationSchedulerOptions.DefaultMaxBatch;

    /// <summary>KV cache memory the running sequences may need together (see <see cref="GenerationSchedulerOptions.KvCacheBytes"/>).</summary>
    public long KvCacheBytes { get; init; } = GenerationSchedulerOptions.DefaultKvCacheBytes;

    /// <summary>The scheduler's options these settings make.</summary>
    public GenerationSchedulerOptions Scheduling => new()
    {
        MaxBatch = MaxBatch,
        KvCacheBytes = KvCacheBytes,
        MaxQueuedRequests = MaxQueuedRequests,
    };

    /// <summary><c>cpu</c> or <c>cuda</c>, any case; numbers and other names are refused (unlike <see cref="Enum.TryParse{TEnum}(string?, bool, out TEnum)"/>).</summary>
    public static bool TryParseDevice(string? text, out ExecutionDevice device)
    {
        switch (text?.Trim().ToUpperInvariant())
        {
            case "CPU":
                device = ExecutionDevice.Cpu;
                return true;
            case "CUDA":
                device = ExecutionDevice.Cuda;
                return true;
            default:
                device = default;
                return false;
        }
    }
}
