using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using QwenRag.Core.Telemetry;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// The KV cache of a batch: per layer and kind one buffer [slots, kv heads, positions, head size] on the model's
/// device, where full-attention layers hold <see cref="Capacity"/> positions per slot and window-cached layers their
/// window. A sequence owns one slot while it runs; a pass binds a run of consecutive slots as one batch (slot s is
/// batch row s - first), so that rows of different lengths decode together. The buffers are allocated once; on the
/// CPU the operating system commits their pages as positions are written. Belongs to one scheduler; the model's
/// native resources outlive it (as for <see cref="KvCache"/>).
/// </summary>
public sealed class KvSlots : IDisposable
{
    private readonly OrtMemoryAllocation[] _buffers;
    private readonly long[][] _slotShapes;
    private readonly long[] _slotBytes;
    private readonly TensorElementType _type;
    private readonly ExecutionDevice _device;
    private bool _disposed;

    internal KvSlots(
        QwenOnnxModel owner, OrtMemoryAllocation[] buffers, long[][] slotShapes, long[] slotBytes, TensorElementType type, int slots, int capacity,
        ExecutionDevice device)
    {
        Owner = owner;
        _buffers = buffers;
        _slotShapes = slotShapes;
        _slotBytes = slotBytes;
        _type = type;
        Slots = slots;
        Capacity = capacity;
        _device = device;
        Bytes = slotBytes.Sum() * slots;
        QwenRagTelemetry.KvCacheBytes.Add(Bytes, KvCache.DeviceTag(device));
    }

    /// <summary>Sequences that can hold a slot at once.</summary>
    public int Slots { get; }

    /// <summary>The most tokens (prompt and generated) one slot holds.</summary>
    public int Capacity { get; }

    /// <summary>Memory reserved by every buffer.</summary>
    public long Bytes { get; }

    internal QwenOnnxModel Owner { get; }

    /// <summary>
    /// Tensors over slots <paramref name="first"/> to <paramref name="first"/> + <paramref name="count"/> - 1 of every
    /// buffer (layer i's key at 2i, its value at 2i + 1), valid while this lives; the caller disposes them.
    /// </summary>
    internal OrtValue[] Views(int first, int count)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (first < 0 || count < 1 || first + count > Slots)
        {
            throw new ArgumentOutOfRangeException(nameof(first), $"Slots {first} to {first + count - 1} are not all among the {Slots} slots.");
        }

        var views = new OrtValue[_buffers.Length];
        try
        {
            for (var i = 0; i < views.Length; i++)
            {
                var shape = (long[])_slotShapes[i].Clone();
                shape[0] = count;
                var offset = first * _slotBytes[i];
                views[i] = OrtValue.CreateTensorValueWithData(
                    _buffers[i].Info, _type, shape, _buffers[i].DangerousGetHandle() + (nint)offset, count * _slotBytes[i]);
            }
        }
        catch
        {
            foreach (var view in views)
            {
                view?.Dispose();
            }

            throw;
        }

        return views;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        QwenRagTelemetry.KvCacheBytes.Add(-Bytes, KvCache.DeviceTag(_device));
        foreach (var buffer in _buffers)
        {
            buffer.Dispose();
        }

        // After the buffers: they came from the model's allocator, which this may free now.
        Owner.Release();
    }
}
