using Microsoft.ML.OnnxRuntime;
using QwenRag.Core.Telemetry;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// The keys and values one generation has passed through a <see cref="QwenOnnxModel"/> (batch 1): one preallocated
/// buffer per layer and kind, bound as both past_key_values.{i}.* and present.{i}.* so that ONNX Runtime appends in
/// place. Full-attention layers hold <see cref="Capacity"/> positions; window-cached layers hold a fixed window that
/// GroupQueryAttention evicts from, so their memory does not grow with the context. Belongs to one generation, never
/// to the model; dispose it when the generation ends. The model's native resources outlive it: disposing the model
/// first only defers their release to this cache's <see cref="Dispose"/>.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly OrtValue[] _buffers;
    private readonly ExecutionDevice _device;
    private bool _disposed;

    internal KvCache(QwenOnnxModel owner, OrtValue[] buffers, int capacity, long bytes, ExecutionDevice device)
    {
        Owner = owner;
        _buffers = buffers;
        Capacity = capacity;
        Bytes = bytes;
        _device = device;
        QwenRagTelemetry.KvCacheBytes.Add(bytes, DeviceTag(device));
    }

    /// <summary>Tokens passed so far: the absolute position of the next token.</summary>
    public int Length { get; internal set; }

    /// <summary>The most tokens this cache can take (prompt and generated).</summary>
    public int Capacity { get; }

    /// <summary>Memory held by the key and value buffers of every layer.</summary>
    public long Bytes { get; }

    internal QwenOnnxModel Owner { get; }

    /// <summary>Layer i's key at 2i, its value at 2i + 1.</summary>
    internal OrtValue[] Buffers
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _buffers;
        }
    }

    /// <summary>
    /// Forgets every token, so the cache can take a new generation of up to <see cref="Capacity"/> tokens without
    /// allocating again. On the CPU the buffers are zeroed as well, which also makes all of <see cref="Bytes"/>
    /// resident at once rather than page by page as the generation grows; on CUDA only the length is reset (the
    /// attention mask hides the old entries either way).
    /// </summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_device == ExecutionDevice.Cpu)
        {
            foreach (var buffer in _buffers)
            {
                buffer.GetTensorMutableRawData().Clear();
            }
        }

        Length = 0;
    }

    internal static KeyValuePair<string, object?> DeviceTag(ExecutionDevice device) =>
        new(QwenRagTelemetry.DeviceTag, device == ExecutionDevice.Cpu ? "cpu" : "cuda");

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        QwenRagTelemetry.KvCacheBytes.Add(-Bytes, DeviceTag(_device));
        foreach (var value in _buffers)
        {
            value.Dispose();
        }

        // After the buffers: they came from the model's allocator, which this may free now.
        Owner.Release();
    }
}
