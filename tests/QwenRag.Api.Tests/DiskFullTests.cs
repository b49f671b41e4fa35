using System.Net;
using System.Text.Json;
using QwenRag.Tests;
using Xunit.Abstractions;

namespace QwenRag.Api.Tests;

/// <summary>
/// Uploads while the data directory's volume is full: 507 with a clear detail, nothing queued, no partial file
/// left; the same upload once space is freed: 202. The volume is a real 8 MiB tmpfs (mounting needs root; without it
/// the test says so in its output and checks nothing).
/// </summary>
public sealed class DiskFullTests : IDisposable
{
    private const string Set = "full";
    private readonly TmpfsVolume? _volume;

    public DiskFullTests(ITestOutputHelper output)
    {
        _volume = TmpfsVolume.TryMount(8, out var reason);
        if (_volume is null)
        {
            output.WriteLine($"tmpfs could not be mounted ({reason}); the disk-full upload tests did not run.");
        }
    }

    // Larger than a page, so that no slack at the end of the filler can take it.
    private static UploadFile Note(string name) =>
        UploadFile.Text(name, "# Note\n\n" + string.Concat(Enumerable.Repeat("Disk space matters. ", 2000)));

    [Fact]
    public async Task Upload_VolumeFull_InsufficientStorageNothingQueuedNoPartialFile_ThenAcceptedOnceFreed()
    {
        if (_volume is null)
        {
            return;
        }

        await using var host = await ApiHost.StartAsync(_volume.Path);
        using var client = host.CreateClient();
        _volume.Fill();

        await AssertRefusedAsync(client, [Note("note.md")]);

        _volume.FreeFiller();
        var job = Assert.Single(await client.UploadAcceptedAsync(Set, [Note("note.md")]));
        Assert.Equal("note.md", job.String("document"));
        Assert.Single(await JobsAsync(client));
    }

    [Fact]
    public async Task Upload_VolumeFillsPartWayThroughSeveralFiles_NoneQueued()
    {
        if (_volume is null)
        {
            return;
        }

        await using var host = await ApiHost.StartAsync(_volume.Path);
        using var client = host.CreateClient();
        // Room for both incoming copies and one staged copy (10 pages each), not for the second staged copy.
        _volume.Fill(leaveBytes: 31 * 4096);

        await AssertRefusedAsync(client, [Note("first.md"), Note("second.md")]);

        _volume.FreeFiller();
        Assert.Equal(2, (await client.UploadAcceptedAsync(Set, [Note("first.md"), Note("second.md")])).Length);
    }

    public void Dispose() => _volume?.Dispose();

    private async Task AssertRefusedAsync(HttpClient client, UploadFile[] files)
    {
        using (var full = await client.UploadAsync(Set, files))
        {
            var problem = await ProblemAssert.IsProblemAsync(full, HttpStatusCode.InsufficientStorage, requireDetail: true);
            Assert.Contains("disk is full", problem.String("detail"), StringComparison.Ordinal);
        }

        Assert.Empty(await JobsAsync(client));
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_volume!.Path, "uploads"), "*", SearchOption.AllDirectories));
    }

    private static async Task<JsonElement[]> JobsAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/jobs");
        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }
}
