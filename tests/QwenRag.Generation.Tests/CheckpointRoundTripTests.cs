using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

public sealed class CheckpointRoundTripTests
{
    [Theory]
    [InlineData(TensorDtype.F32)]
    [InlineData(TensorDtype.F16)]
    [InlineData(TensorDtype.BF16)]
    public void WriteThenRead_EachDtype_ValuesEqualAfterTheDtypesRounding(TensorDtype dtype)
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        var matrix = Values(seed: 3, count: 6 * 5);
        var vector = new[] { 0f, -0f, 1f, -2.5f, 1e-3f, 65504f, 3.14159265f };
        SafetensorsWriter.Write(path, [("a.matrix", [6, 5], matrix), ("b.vector", [7], vector)], dtype);

        using var checkpoint = OpenSingleFile(folder, path);

        var info = checkpoint.Info("a.matrix");
        Assert.Equal(("a.matrix", dtype, 30L), (info.Name, info.Dtype, info.ElementCount));
        Assert.Equal([6L, 5L], info.Shape);
        Assert.Equal(matrix.Select(v => Rounded(v, dtype)), checkpoint.ReadFloat32("a.matrix"));
        Assert.Equal(vector.Select(v => Rounded(v, dtype)), checkpoint.ReadFloat32("b.vector"));
    }

    [Theory]
    [InlineData(1.0f, 1.0f)]
    [InlineData(1.00390625f, 1.0f)] // 1 + 2^-8: a tie, goes to the even mantissa
    [InlineData(1.01171875f, 1.015625f)] // 1 + 3 * 2^-8: a tie, goes to the even mantissa (up)
    [InlineData(1.005f, 1.0078125f)]
    [InlineData(-3.0f, -3.0f)]
    public void WriteThenRead_Bf16_RoundsToNearestEven(float value, float expected)
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [("x", [1], [value])], TensorDtype.BF16);

        using var checkpoint = OpenSingleFile(folder, path);

        Assert.Equal(expected, checkpoint.ReadFloat32("x")[0]);
    }

    [Fact]
    public void Write_AnyTensors_HeaderIsLittleEndianLengthJsonAndAlignedContiguousData()
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [("first", [3], [1f, 2f, 3f]), ("second", [2, 1], [4f, 5f])], TensorDtype.F16);

        var bytes = File.ReadAllBytes(path);
        var headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength));

        Assert.Equal(0, (8 + headerLength) % 8);
        Assert.Equal("pt", header.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("F16", header.RootElement.GetProperty("first").GetProperty("dtype").GetString());
        Assert.Equal([0L, 6L], header.RootElement.GetProperty("first").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal([6L, 10L], header.RootElement.GetProperty("second").GetProperty("data_offsets").EnumerateArray().Select(e => e.GetInt64()));
        Assert.Equal(8 + headerLength + 10, bytes.Length);
    }

    [Fact]
    public void Write_ShapeNotMatchingData_ThrowsArgumentException()
    {
        using var folder = new CheckpointTestFolder();

        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(folder.File("x.safetensors"), [("x", [2, 2], [1f, 2f, 3f])]));
    }

    [Theory]
    [InlineData(TensorDtype.F32)]
    [InlineData(TensorDtype.BF16)]
    [InlineData(TensorDtype.F16)]
    public void Open_MultiMegabyteFile_MapsItInsteadOfReadingIt(TensorDtype dtype)
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        const int Count = 3 * 1024 * 1024 + 17; // more than one conversion slice, not a multiple of the vector width
        var values = Values(seed: 9, count: Count);
        SafetensorsWriter.Write(path, [("small", [2], [1f, 2f]), ("big", [Count], values)], dtype);
        Assert.True(new FileInfo(path).Length > 6_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        using var checkpoint = OpenSingleFile(folder, path);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1_000_000, $"opening allocated {allocated} bytes");
        var read = checkpoint.ReadFloat32("big");
        Assert.Equal(Rounded(values[0], dtype), read[0]);
        Assert.Equal(Rounded(values[Count / 2], dtype), read[Count / 2]);
        Assert.Equal(Rounded(values[^1], dtype), read[^1]);
        Assert.Equal(values.Select(v => Rounded(v, dtype)), read);
    }

    [Fact]
    public void ReadFloat32_IntoSpanOfWrongLength_ThrowsArgumentException()
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [("x", [4], [1f, 2f, 3f, 4f])]);
        using var checkpoint = OpenSingleFile(folder, path);

        Assert.Throws<ArgumentException>(() => checkpoint.ReadFloat32("x", new float[3]));
    }

    [Fact]
    public void ReadBytes_F16Tensor_ReturnsStoredHalves()
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [("x", [2], [1.5f, -2f])], TensorDtype.F16);
        using var checkpoint = OpenSingleFile(folder, path);

        var bytes = new byte[4];
        checkpoint.ReadBytes("x", bytes);

        Assert.Equal((Half)1.5f, BitConverter.ToHalf(bytes, 0));
        Assert.Equal((Half)(-2f), BitConverter.ToHalf(bytes, 2));
    }

    [Fact]
    public void ReadFloat32_AfterDispose_ThrowsObjectDisposed()
    {
        using var folder = new CheckpointTestFolder();
        var path = folder.File("model.safetensors");
        SafetensorsWriter.Write(path, [("x", [1], [1f])]);
        var checkpoint = OpenSingleFile(folder, path);
        checkpoint.Dispose();

        Assert.Throws<ObjectDisposedException>(() => checkpoint.ReadFloat32("x"));
    }

    [Fact]
    public void Open_ShardedTinyCheckpoint_ReadsSameValuesAsSingleFile()
    {
        using var single = new CheckpointTestFolder();
        using var sharded = new CheckpointTestFolder();
        TinyCheckpoint.Write(single.Path, new TinyCheckpointOptions { Seed = 5 });
        TinyCheckpoint.Write(sharded.Path, new TinyCheckpointOptions { Seed = 5, Shards = 3 });

        using var one = SafetensorsCheckpoint.Open(single.Path);
        using var three = SafetensorsCheckpoint.Open(sharded.Path);

        Assert.False(File.Exists(sharded.File("model.safetensors")));
        Assert.True(File.Exists(sharded.File("model-00003-of-00003.safetensors")));
        Assert.True(File.Exists(sharded.File("model.safetensors.index.json")));
        three.Validate();
        Assert.Equal(one.TensorNames.Order(), three.TensorNames.Order());
        foreach (var name in one.TensorNames)
        {
            Assert.Equal(one.ReadFloat32(name), three.ReadFloat32(name));
        }
    }

    [Fact]
    public void Open_IndexListingTensorItsShardLacks_ThrowsNamingTensor()
    {
        using var folder = new CheckpointTestFolder();
        TinyCheckpoint.Write(folder.Path, new TinyCheckpointOptions { Shards = 2 });
        var indexPath = folder.File("model.safetensors.index.json");
        var index = File.ReadAllText(indexPath).Replace("\"weight_map\": {", "\"weight_map\": {\n    \"model.extra.weight\": \"model-00001-of-00002.safetensors\",");
        File.WriteAllText(indexPath, index);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("model.extra.weight", error.Message);
    }

    [Fact]
    public void Open_IndexNamingMissingShardFile_ThrowsNamingFile()
    {
        using var folder = new CheckpointTestFolder();
        TinyCheckpoint.Write(folder.Path, new TinyCheckpointOptions { Shards = 2 });
        File.Delete(folder.File("model-00002-of-00002.safetensors"));

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("model-00002-of-00002.safetensors", error.Message);
    }

    internal static SafetensorsCheckpoint OpenSingleFile(CheckpointTestFolder folder, string path)
    {
        Assert.Equal(folder.File("model.safetensors"), path);
        File.WriteAllText(folder.File("config.json"), new TinyCheckpointOptions().ToConfig().ToJson());
        return SafetensorsCheckpoint.Open(folder.Path);
    }

    internal static float Rounded(float value, TensorDtype dtype) => dtype switch
    {
        TensorDtype.F32 => value,
        TensorDtype.F16 => (float)(Half)value,
        // Round half to even on the upper 16 bits, written out independently of the library.
        TensorDtype.BF16 => BitConverter.UInt32BitsToSingle(Bf16Bits(value) << 16),
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    private static uint Bf16Bits(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        var upper = bits >> 16;
        var lower = bits & 0xFFFF;
        return lower > 0x8000 || (lower == 0x8000 && (upper & 1) == 1) ? upper + 1 : upper;
    }

    private static float[] Values(int seed, int count)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ => (float)((random.NextDouble() - 0.5) * 8)).ToArray();
    }
}
