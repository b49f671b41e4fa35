using System.IO.MemoryMappedFiles;
using System.Text.Json;

namespace QwenRag.Generation.Checkpoints;

/// <summary>One memory-mapped .safetensors file: the header is parsed once, tensor bytes are read in place.</summary>
internal sealed unsafe class SafetensorsFile : IDisposable
{
    // The reference implementation refuses headers above 100 MB; so do we, before allocating one.
    private const long MaxHeaderLength = 100_000_000;

    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long _length;
    private byte* _start;

    private SafetensorsFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long length)
    {
        Path = path;
        _map = map;
        _view = view;
        _length = length;
        byte* pointer = null;
        view.SafeMemoryMappedViewHandle.AcquirePointer(ref pointer);
        _start = pointer + view.PointerOffset;
    }

    public string Path { get; }

    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; private set; } = new Dictionary<string, SafetensorsEntry>();

    public static SafetensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new CheckpointException($"missing safetensors file '{path}'");
        }

        var length = new FileInfo(path).Length;
        if (length < 8)
        {
            throw new CheckpointException($"truncated safetensors header in '{path}': the file has {length} bytes, fewer than the 8-byte header length");
        }

        var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        SafetensorsFile? file = null;
        try
        {
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            file = new SafetensorsFile(path, map, view, length);
            file.Entries = file.ReadHeader();
            return file;
        }
        catch
        {
            if (file is null)
            {
                map.Dispose();
            }
            else
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>Bytes of a tensor, <paramref name="length"/> of them from <paramref name="offset"/> within it.</summary>
    public ReadOnlySpan<byte> Bytes(SafetensorsEntry entry, long offset, int length)
    {
        ObjectDisposedException.ThrowIf(_start == null, this);
        if (offset < 0 || length < 0 || entry.Begin + offset + length > entry.End)
        {
            throw new ArgumentOutOfRangeException(nameof(offset));
        }

        return new ReadOnlySpan<byte>(_start + entry.Begin + offset, length);
    }

    public void Dispose()
    {
        if (_start != null)
        {
            _start = null;
            _view.SafeMemoryMappedViewHandle.ReleasePointer();
        }

        _view.Dispose();
        _map.Dispose();
    }

    private Dictionary<string, SafetensorsEntry> ReadHeader()
    {
        var headerLength = BitConverter.ToInt64(new ReadOnlySpan<byte>(_start, 8));
        if (headerLength <= 0 || headerLength > _length - 8 || headerLength > MaxHeaderLength)
        {
            throw new CheckpointException(
                $"truncated safetensors header in '{Path}': the header claims {headerLength} bytes but the file has {_length - 8} after the length");
        }

        var dataStart = 8 + headerLength;
        var dataLength = _length - dataStart;
        var header = new ReadOnlySpan<byte>(_start + 8, (int)headerLength).ToArray();
        try
        {
            using var document = JsonDocument.Parse(header);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new CheckpointException($"malformed safetensors header in '{Path}': not a JSON object");
            }

            var entries = new Dictionary<string, SafetensorsEntry>(StringComparer.Ordinal);
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (property.Name == "__metadata__")
                {
                    continue;
                }

                var entry = ReadEntry(property, dataLength);
                entries.Add(entry.Name, entry with { Begin = entry.Begin + dataStart, End = entry.End + dataStart });
            }

            return entries;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new CheckpointException($"malformed safetensors header in '{Path}': {e.Message}");
        }
    }

    private SafetensorsEntry ReadEntry(JsonProperty property, long dataLength)
    {
        var name = property.Name;
        var value = property.Value;
        var dtypeName = value.GetProperty("dtype").GetString() ?? "";
        var shape = value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        var offsets = value.GetProperty("data_offsets").EnumerateArray().Select(d => d.GetInt64()).ToArray();
        if (offsets.Length != 2 || offsets[0] < 0 || offsets[1] < offsets[0] || offsets[1] > dataLength)
        {
            throw new CheckpointException(
                $"tensor '{name}' in '{Path}' has data_offsets [{string.Join(", ", offsets)}] outside the {dataLength} data bytes (truncated file?)");
        }

        if (shape.Any(d => d < 0))
        {
            throw new CheckpointException($"tensor '{name}' in '{Path}' has a negative dimension in shape {TensorShapes.Format(shape)}");
        }

        var entry = new SafetensorsEntry(name, dtypeName, shape, offsets[0], offsets[1]);
        if (entry.TryGetDtype(out var dtype))
        {
            var expected = shape.Aggregate(1L, (count, dim) => count * dim) * dtype.ElementSize();
            if (expected != offsets[1] - offsets[0])
            {
                throw new CheckpointException(
                    $"tensor '{name}' in '{Path}' has {offsets[1] - offsets[0]} bytes but {dtypeName} shape {TensorShapes.Format(shape)} needs {expected}");
            }
        }

        return entry;
    }
}
