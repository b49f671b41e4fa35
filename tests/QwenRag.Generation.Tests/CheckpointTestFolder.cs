namespace QwenRag.Generation.Tests;

/// <summary>A temporary folder for one test, deleted afterwards.</summary>
internal sealed class CheckpointTestFolder : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("qwenrag-checkpoint-");

    public string Path => _directory.FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

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
