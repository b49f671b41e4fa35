using System.Diagnostics;
using System.Net;
using System.Text.Json;
using QwenRag.Tests;
using Xunit.Abstractions;

namespace QwenRag.Api.Tests;

/// <summary>
/// An upload while the data directory's volume is full: 507 with a clear detail, nothing queued, no partial file
/// left; the same upload once space is freed: 202. The volume is a real 8 MiB tmpfs (mounting needs root; without it
/// the test says so in its output and checks nothing).
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output) : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();
    private bool _mounted;

    private string DataDirectory => Path.Combine(_directory.Path, "volume");

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(DataDirectory);
        var (code, message) = await RunAsync("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", DataDirectory);
        _mounted = code == 0;
        if (!_mounted)
        {
            output.WriteLine($"tmpfs could not be mounted ({message.Trim()}); the disk-full upload test did not run.");
        }
    }

    [Fact]
    public async Task Upload_VolumeFull_InsufficientStorageNothingQueuedNoPartialFile_ThenAcceptedOnceFreed()
    {
        if (!_mounted)
        {
            return;
        }

        await using var host = await ApiHost.StartAsync(DataDirectory);
        using var client = host.CreateClient();
        const string set = "full";
        // Larger than a page, so that no slack at the end of the filler can take it.
        var note = UploadFile.Text("note.md", "# Note\n\n" + string.Concat(Enumerable.Repeat("Disk space matters. ", 2000)));
        var filler = Path.Combine(DataDirectory, "filler");
        Fill(filler);

        using (var full = await client.UploadAsync(set, [note]))
        {
            var problem = await ProblemAssert.IsProblemAsync(full, HttpStatusCode.InsufficientStorage, requireDetail: true);
            Assert.Contains("disk is full", problem.String("detail"), StringComparison.Ordinal);
        }

        Assert.Empty(await JobsAsync(client));
        var uploads = Path.Combine(DataDirectory, "uploads");
        Assert.Empty(Directory.EnumerateFiles(uploads, "*", SearchOption.AllDirectories));

        File.Delete(filler);
        var job = Assert.Single(await client.UploadAcceptedAsync(set, [note]));
        Assert.Equal("note.md", job.String("document"));
        Assert.Single(await JobsAsync(client));
    }

    public async Task DisposeAsync()
    {
        if (_mounted)
        {
            // Pooled SQLite connections keep the databases open after the host is gone.
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            var (code, message) = await RunAsync("umount", DataDirectory);
            if (code != 0)
            {
                // Something still holds a file; detach now, freed once it lets go.
                (code, message) = await RunAsync("umount", "-l", DataDirectory);
            }

            Assert.True(code == 0, $"umount failed: {message}");
        }

        _directory.Dispose();
    }

    /// <summary>Writes until the volume has no byte left, down to single bytes.</summary>
    private static void Fill(string path)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0);
        for (var chunk = 1 << 20; chunk >= 1; chunk /= 2)
        {
            var bytes = new byte[chunk];
            try
            {
                while (true)
                {
                    stream.Write(bytes);
                }
            }
            catch (IOException)
            {
                // Full at this granularity; try smaller writes.
            }
        }
    }

    private static async Task<JsonElement[]> JobsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/jobs");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }

    private static async Task<(int Code, string Message)> RunAsync(string command, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true };
            foreach (var arg in args)
            {
                start.ArgumentList.Add(arg);
            }

            using var process = Process.Start(start)!;
            var error = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, error);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }
}
