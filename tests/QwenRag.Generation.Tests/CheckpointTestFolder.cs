using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests;

/// <summary>A temporary folder for one test, deleted afterwards.</summary>
internal sealed class CheckpointTestFolder : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qwenrag-checkpoint-");

    public string Path => _directory.FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    /// <summary>A folder holding a random tiny checkpoint written with <paramref name="options"/>.</summary>
    public static CheckpointTestFolder WithTinyCheckpoint(TinyCheckpointOptions options)
    {
        var folder = new CheckpointTestFolder();
        TinyCheckpoint.Write(folder.Path, options);
        return folder;
    }

    /// <summary>Every tensor of the checkpoint here, as float32.</summary>
    public List<(string Name, int[] Shape, float[] Data)> ReadTensors()
    {
        using var checkpoint = SafetensorsCheckpoint.Open(Path);
        return checkpoint.TensorNames
            .Select(name => (name, checkpoint.Info(name).Shape.Select(d => (int)d).ToArray(), checkpoint.ReadFloat32(name)))
            .ToList();
    }

    /// <summary>Writes the checkpoint's tensors back as one model.safetensors, after <paramref name="change"/>.</summary>
    public void RewriteTensors(
        Func<IEnumerable<(string Name, int[] Shape, float[] Data)>, IEnumerable<(string Name, int[] Shape, float[] Data)>> change)
        => SafetensorsWriter.Write(File("model.safetensors"), change(ReadTensors()).ToList());

    public void Dispose()
    {
        try
        {
            _directory.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A mapped file still open on Windows; the OS temp cleanup takes it later.
        }
    }
}
