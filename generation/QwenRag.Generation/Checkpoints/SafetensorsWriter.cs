using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// Writes .safetensors files readable by the Python and Rust libraries: 8-byte little-endian header length,
/// the JSON header padded with spaces so data starts 8-byte aligned, then the tensors back to back.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<(string Name, int[] Shape, float[] Data)> tensors, TensorDtype dtype = TensorDtype.F32)
    {
        var list = tensors.ToList();
        var elementSize = dtype.ElementSize();
        var header = BuildHeader(list, dtype, elementSize);

        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, header.Length);
        stream.Write(length);
        stream.Write(header);

        var buffer = new byte[1 << 16];
        foreach (var (_, _, data) in list)
        {
            for (var done = 0; done < data.Length; done += buffer.Length / elementSize)
            {
                var count = Math.Min(buffer.Length / elementSize, data.Length - done);
                Encode(data.AsSpan(done, count), dtype, buffer);
                stream.Write(buffer, 0, count * elementSize);
            }
        }
    }

    private static byte[] BuildHeader(List<(string Name, int[] Shape, float[] Data)> tensors, TensorDtype dtype, int elementSize)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartObject("__metadata__");
            json.WriteString("format", "pt");
            json.WriteEndObject();

            long offset = 0;
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (name, shape, data) in tensors)
            {
                if (!names.Add(name) || name == "__metadata__")
                {
                    throw new ArgumentException($"tensor name '{name}' is used twice or reserved", nameof(tensors));
                }

                var elements = shape.Aggregate(1L, (count, dim) => count * dim);
                if (shape.Any(d => d < 0) || elements != data.Length)
                {
                    throw new ArgumentException(
                        $"tensor '{name}' has {data.Length} values but shape {TensorShapes.Format(shape.Select(d => (long)d))}", nameof(tensors));
                }

                json.WriteStartObject(name);
                json.WriteString("dtype", dtype.SafetensorsName());
                json.WriteStartArray("shape");
                foreach (var dim in shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + (elements * elementSize));
                json.WriteEndArray();
                json.WriteEndObject();
                offset += elements * elementSize;
            }

            json.WriteEndObject();
        }

        var padding = (int)((8 - ((8 + buffer.Length) % 8)) % 8);
        buffer.Write(Enumerable.Repeat((byte)' ', padding).ToArray());
        return buffer.ToArray();
    }

    private static void Encode(ReadOnlySpan<float> values, TensorDtype dtype, Span<byte> destination)
    {
        switch (dtype)
        {
            case TensorDtype.F32:
                MemoryMarshal.AsBytes(values).CopyTo(destination);
                break;
            case TensorDtype.F16:
                var halves = MemoryMarshal.Cast<byte, Half>(destination);
                for (var i = 0; i < values.Length; i++)
                {
                    halves[i] = (Half)values[i];
                }

                break;
            case TensorDtype.BF16:
                var words = MemoryMarshal.Cast<byte, ushort>(destination);
                for (var i = 0; i < values.Length; i++)
                {
                    words[i] = FloatConversion.ToBf16(values[i]);
                }

                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(dtype), dtype, null);
        }
    }
}
