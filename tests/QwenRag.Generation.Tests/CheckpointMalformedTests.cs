using System.Buffers.Binary;
using System.Text;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

public sealed class CheckpointMalformedTests
{
    [Fact]
    public void Validate_MissingTensor_ThrowsNamingTensorAndExpectedShape()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        folder.RewriteTensors(tensors => tensors.Where(t => t.Name != "model.layers.1.mlp.up_proj.weight"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("missing tensor 'model.layers.1.mlp.up_proj.weight'", error.Message);
        Assert.Contains("[128, 64]", error.Message);
    }

    [Fact]
    public void Validate_UntiedCheckpointWithoutLmHead_ThrowsNamingLmHead()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        folder.RewriteTensors(tensors => tensors.Where(t => t.Name != "lm_head.weight"));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("lm_head.weight", error.Message);
    }

    [Fact]
    public void Validate_WrongShape_ThrowsNamingTensorExpectedAndActualShape()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        folder.RewriteTensors(tensors => tensors.Select(t => t.Name == "model.layers.0.self_attn.k_proj.weight" ? (t.Name, new[] { 64, 32 }, t.Data) : t));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains("model.layers.0.self_attn.k_proj.weight", error.Message);
        Assert.Contains("[64, 32]", error.Message);
        Assert.Contains("[32, 64]", error.Message);
    }

    [Fact]
    public void Open_UnknownArchitecture_ThrowsNamingIt()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        var config = File.ReadAllText(folder.File("config.json")).Replace("Qwen2ForCausalLM", "MistralForCausalLM");
        File.WriteAllText(folder.File("config.json"), config);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("MistralForCausalLM", error.Message);
    }

    [Theory]
    [InlineData("F64", 8)]
    [InlineData("I8", 1)]
    public void Validate_UnsupportedDtype_ThrowsNamingDtypeAndTensor(string dtype, int elementSize)
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        var tensors = folder.ReadTensors();
        File.Delete(folder.File("model.safetensors"));
        WriteRaw(
            folder.File("model.safetensors"),
            tensors.Select(t => t.Name == "model.norm.weight"
                ? (t.Name, dtype, t.Shape, new byte[t.Data.Length * elementSize])
                : (t.Name, "F32", t.Shape, t.Data.SelectMany(BitConverter.GetBytes).ToArray())));
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(checkpoint.Validate);

        Assert.Contains(dtype, error.Message);
        Assert.Contains("model.norm.weight", error.Message);
        Assert.Throws<CheckpointException>(() => checkpoint.ReadFloat32("model.norm.weight"));
    }

    [Fact]
    public void Open_MissingConfigJson_ThrowsNamingConfigJson()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        File.Delete(folder.File("config.json"));

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("config.json", error.Message);
    }

    [Fact]
    public void Open_NoSafetensorsFile_ThrowsNamingExpectedFiles()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        File.Delete(folder.File("model.safetensors"));

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void Open_MissingFolder_ThrowsNamingFolder()
    {
        using var folder = new CheckpointTestFolder();
        var missing = folder.File("nowhere");

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(missing));

        Assert.Contains(missing, error.Message);
    }

    [Fact]
    public void Open_HeaderLengthBeyondFileEnd_ThrowsTruncatedHeader()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        var bytes = new byte[40];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 1000);
        Encoding.UTF8.GetBytes("{\"x\":{\"dtype\":\"F32\"").CopyTo(bytes, 8);
        File.WriteAllBytes(folder.File("model.safetensors"), bytes);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("truncated safetensors header", error.Message);
        Assert.Contains("1000", error.Message);
    }

    [Fact]
    public void Open_FileShorterThanLengthPrefix_ThrowsTruncatedHeader()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        File.WriteAllBytes(folder.File("model.safetensors"), [1, 2, 3]);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("truncated safetensors header", error.Message);
    }

    [Fact]
    public void Open_HeaderNotJson_ThrowsMalformedHeader()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        var bytes = new byte[24];
        BinaryPrimitives.WriteInt64LittleEndian(bytes, 16);
        Encoding.UTF8.GetBytes("not json at all!").CopyTo(bytes, 8);
        File.WriteAllBytes(folder.File("model.safetensors"), bytes);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("malformed safetensors header", error.Message);
    }

    [Fact]
    public void Open_DataCutShort_ThrowsNamingTensorOutsideData()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        var path = folder.File("model.safetensors");
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^100]);

        var error = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(folder.Path));

        Assert.Contains("lm_head.weight", error.Message);
        Assert.Contains("truncated", error.Message);
    }

    [Fact]
    public void Info_UnknownName_ThrowsMissingTensor()
    {
        using var folder = CheckpointTestFolder.WithTinyCheckpoint(new TinyCheckpointOptions());
        using var checkpoint = SafetensorsCheckpoint.Open(folder.Path);

        var error = Assert.Throws<CheckpointException>(() => checkpoint.Info("model.nope.weight"));

        Assert.Equal("missing tensor 'model.nope.weight'", error.Message);
    }

    // Writes dtypes SafetensorsWriter refuses to, the way other tools would.
    private static void WriteRaw(string path, IEnumerable<(string Name, string Dtype, int[] Shape, byte[] Data)> tensors)
    {
        var list = tensors.ToList();
        var header = new StringBuilder("{");
        long offset = 0;
        foreach (var (name, dtype, shape, data) in list)
        {
            header.Append($"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{offset},{offset + data.Length}]}},");
            offset += data.Length;
        }

        header.Length--;
        header.Append('}');
        var headerBytes = Encoding.UTF8.GetBytes(header.ToString());
        using var stream = File.Create(path);
        var length = new byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(length, headerBytes.Length);
        stream.Write(length);
        stream.Write(headerBytes);
        foreach (var tensor in list)
        {
            stream.Write(tensor.Data);
        }
    }
}
