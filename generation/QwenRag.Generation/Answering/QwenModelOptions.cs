using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Answering;

/// <summary>The Qwen model that answers questions: its folder, how it runs, and how many requests may wait for it.</summary>
public sealed record QwenModelOptions
{
    public const int DefaultMaxQueuedRequests = 8;

    /// <summary>The names <see cref="TryParseDevice"/> accepts, as help texts show them.</summary>
    public const string DeviceNames = "cpu|cuda";

    /// <summary>A folder written by <see cref="Onnx.QwenOnnxBuilder"/> with tokenizer.json beside the model.</summary>
    public required string Directory { get; init; }

    public QwenRuntimeOptions Runtime { get; init; } = new();

    /// <summary>Requests allowed to wait while one generates; 0 admits only the running one. Beyond it a request is refused.</summary>
    public int MaxQueuedRequests { get; init; } = DefaultMaxQueuedRequests;

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
