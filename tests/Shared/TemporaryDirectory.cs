using Microsoft.Data.Sqlite;

namespace QwenRag.Tests;

/// <summary>A fresh directory under the system temp folder, deleted (with its SQLite pools closed) on dispose.</summary>
internal sealed class TemporaryDirectory : IDisposable
{
    public TemporaryDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "qwenrag-test-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A native handle still closing; the temp folder is cleaned by the system eventually.
        }
    }
}
