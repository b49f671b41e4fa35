using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace QwenRag.Generation.Onnx;

/// <summary>
/// Appends tensor bytes to one external data file (<c>model.onnx.data</c>) and returns the
/// <see cref="TensorProto"/> that points at them, so graphs over 2 GB serialize and weights stream through.
/// </summary>
internal sealed class ExternalDataWriter : IDisposable
{
    private const int Alignment = 64;
    private readonly FileStream _stream;

    public ExternalDataWriter(string path)
    {
        FileName = Path.GetFileName(path);
        _stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20);
    }

    public string FileName { get; }

    public long Length => _stream.Length;

    public TensorProto Write<T>(string name, OnnxDataType type, ReadOnlySpan<long> dims, ReadOnlySpan<T> data)
        where T : unmanaged
    {
        var offset = Begin();
        Append(data);
        return End(name, type, dims, offset);
    }

    /// <summary>Starts a tensor written in pieces with <see cref="Append{T}"/> (one expert at a time); returns its offset.</summary>
    public long Begin()
    {
        var padding = (Alignment - (_stream.Position % Alignment)) % Alignment;
        for (var i = 0; i < padding; i++)
        {
            _stream.WriteByte(0);
        }

        return _stream.Position;
    }

    public void Append<T>(ReadOnlySpan<T> data)
        where T : unmanaged => _stream.Write(MemoryMarshal.AsBytes(data));

    /// <summary>The tensor written since <see cref="Begin"/> returned <paramref name="offset"/>.</summary>
    public TensorProto End(string name, OnnxDataType type, ReadOnlySpan<long> dims, long offset)
    {
        var length = _stream.Position - offset;
        var tensor = new TensorProto
        {
            Name = name,
            DataType = (int)type,
            DataLocation = TensorProto.Types.DataLocation.External,
        };
        foreach (var dim in dims)
        {
            tensor.Dims.Add(dim);
        }

        tensor.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = FileName });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offset.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        tensor.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        return tensor;
    }

    /// <summary>A small tensor kept inside the graph (shapes, scalars).</summary>
    public static TensorProto Inline<T>(string name, OnnxDataType type, ReadOnlySpan<long> dims, ReadOnlySpan<T> data)
        where T : unmanaged
    {
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data)) };
        foreach (var dim in dims)
        {
            tensor.Dims.Add(dim);
        }

        return tensor;
    }

    public void Dispose() => _stream.Dispose();
}

/// <summary>ONNX TensorProto.DataType values used by the builder.</summary>
internal enum OnnxDataType
{
    Float = 1,
    UInt8 = 2,
    Int32 = 6,
    Int64 = 7,
    Float16 = 10,
}
