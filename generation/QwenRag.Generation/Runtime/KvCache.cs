using Microsoft.ML.OnnxRuntime;

namespace QwenRag.Generation.Runtime;

/// <summary>
/// The keys and values of every token one generation has passed through a <see cref="QwenOnnxModel"/> (batch 1):
/// past_key_values.{i}.key/value for the next pass. Belongs to one generation, never to the model; dispose it when
/// the generation ends.
/// </summary>
public sealed class KvCache : IDisposable
{
    private readonly List<OrtValue> _past;
    private bool _disposed;

    internal KvCache(QwenOnnxModel owner, List<OrtValue> past)
    {
        Owner = owner;
        _past = past;
    }

    /// <summary>Tokens held: the past length of the next pass.</summary>
    public int Length { get; internal set; }

    internal QwenOnnxModel Owner { get; }

    internal List<OrtValue> Past
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _past;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var value in _past)
        {
            value.Dispose();
        }

        _past.Clear();
    }
}
