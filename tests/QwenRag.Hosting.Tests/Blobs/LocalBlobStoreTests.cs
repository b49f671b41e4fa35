using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>What only the local store does: the data directory's layout, its containers, its temporary files.</summary>
public sealed class LocalBlobStoreTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    private DataDirectory Data => new(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Write_Keys_AreFilesOfTheDataDirectoryLayout()
    {
        var store = LocalBlobStore.For(Data);

        await store.WriteAsync("uploads/0123456789abcdef0123456789abcdef.upload", new MemoryStream([1, 2]));
        await store.WriteAsync("originals/ab/abcdef.pdf", new MemoryStream([3]));

        Assert.Equal([1, 2], await File.ReadAllBytesAsync(Path.Combine(Data.UploadsPath, "0123456789abcdef0123456789abcdef.upload")));
        Assert.Equal([3], await File.ReadAllBytesAsync(Path.Combine(Data.OriginalsPath, "ab", "abcdef.pdf")));
        Assert.Equal(2, Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories).Length);
    }

    [Theory]
    [InlineData("qwenrag.db")]
    [InlineData("vectors/vectors.db")]
    [InlineData("uploadsx/a")]
    public async Task Keys_OutsideItsContainers_AreRefused(string key)
    {
        var store = LocalBlobStore.For(Data);

        await Assert.ThrowsAsync<ArgumentException>(() => store.WriteAsync(key, new MemoryStream([1])));
        await Assert.ThrowsAsync<ArgumentException>(() => store.DeleteAsync(key));
        await Assert.ThrowsAsync<ArgumentException>(() => store.OpenReadAsync(key));
        Assert.False(File.Exists(Path.Combine(_directory.Path, key)));
    }

    [Fact]
    public async Task List_TemporaryFilesAndNonKeys_NotListedAndAbandonedOnesDeleted()
    {
        Data.EnsureCreated();
        var store = LocalBlobStore.For(Data);
        await store.WriteAsync("uploads/kept.upload", new MemoryStream([1]));
        var abandoned = Path.Combine(Data.UploadsPath, ".kept.upload.0123.partial");
        var writing = Path.Combine(Data.UploadsPath, ".other.upload.4567.partial");
        var incoming = Path.Combine(Data.UploadsPath, "incoming", "Part Of A Request.tmp");
        foreach (var path in (string[])[abandoned, writing, incoming])
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            await File.WriteAllBytesAsync(path, [1]);
        }

        File.SetLastWriteTimeUtc(abandoned, DateTime.UtcNow.AddDays(-1));

        var keys = new List<string>();
        await foreach (var blob in store.ListAsync("uploads/"))
        {
            keys.Add(blob.Key);
        }

        Assert.Equal(["uploads/kept.upload"], keys);
        Assert.False(File.Exists(abandoned));
        Assert.True(File.Exists(writing));
        Assert.True(File.Exists(incoming));
    }
}
