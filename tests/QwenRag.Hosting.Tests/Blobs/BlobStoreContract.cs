using System.Security.Cryptography;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>
/// What every <see cref="IBlobStore"/> promises, run against each store by a derived class that opens a fresh, empty
/// store per test. Keys are under <c>uploads/</c> and <c>originals/</c>, the containers every store accepts.
/// </summary>
public abstract class BlobStoreContract : IAsyncLifetime
{
    private const long LargeBlobBytes = 50L * 1024 * 1024;

    // Far below the blob: what a store that buffered it whole (or a chunk per chunk without reuse) would allocate.
    private const long AllocationBound = 16L * 1024 * 1024;

    private IBlobStore? _store;

    protected IBlobStore Store => _store ?? throw new InvalidOperationException("The store is not open.");

    public async Task InitializeAsync() => _store = await OpenAsync();

    public Task DisposeAsync() => _store is null ? Task.CompletedTask : CloseAsync(_store);

    [Fact]
    public virtual async Task Write_RealPdf_ReadsBackTheSameBytesAndSize()
    {
        var pdf = await File.ReadAllBytesAsync(TestCorpus.Pdf("yarn.pdf"));
        await using (var file = File.OpenRead(TestCorpus.Pdf("yarn.pdf")))
        {
            Assert.Equal(pdf.Length, await Store.WriteAsync("originals/ab/yarn.pdf", file));
        }

        Assert.True(await Store.ExistsAsync("originals/ab/yarn.pdf"));
        Assert.Equal(SHA256.HashData(pdf), await HashAsync("originals/ab/yarn.pdf"));
        var listed = Assert.Single(await ListAsync("originals/"));
        Assert.Equal(("originals/ab/yarn.pdf", (long)pdf.Length), (listed.Key, listed.Size));
        Assert.True(listed.LastModified > DateTimeOffset.UtcNow.AddMinutes(-5));
    }

    [Fact]
    public virtual async Task Write_EmptyContent_IsAnEmptyBlob()
    {
        Assert.Equal(0, await Store.WriteAsync("uploads/empty.upload", new MemoryStream()));

        Assert.True(await Store.ExistsAsync("uploads/empty.upload"));
        await using var read = await Store.OpenReadAsync("uploads/empty.upload");
        Assert.Equal(-1, read.ReadByte());
    }

    [Fact]
    public virtual async Task Write_50MegabyteStream_WrittenAndReadBackWithBoundedAllocations()
    {
        // Warm up first, so that one-off costs (a connection, the schema, JIT) are not counted.
        await Store.WriteAsync("uploads/warm.upload", new PatternStream(3 * 1024 * 1024));
        await DrainAsync("uploads/warm.upload", new byte[1 << 16]);
        var buffer = new byte[1 << 16];
        var before = GC.GetTotalAllocatedBytes(precise: true);

        var written = await Store.WriteAsync("uploads/large.upload", new PatternStream(LargeBlobBytes));
        var read = await DrainAsync("uploads/large.upload", buffer);

        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        Assert.Equal((LargeBlobBytes, LargeBlobBytes), (written, read));
        Assert.True(
            allocated < AllocationBound,
            $"writing and reading {LargeBlobBytes >> 20} MB allocated {allocated >> 20} MB ({allocated} bytes): the blob was buffered");
        Assert.Equal(LargeBlobBytes, Assert.Single(await ListAsync("uploads/large")).Size);
    }

    [Fact]
    public virtual async Task Write_OverTheLimit_RefusedAndNothingLeft()
    {
        var error = await Assert.ThrowsAsync<BlobTooLargeException>(
            () => Store.WriteAsync("uploads/big.upload", new PatternStream(3 * 1024 * 1024), maxBytes: 1024 * 1024 + 1));
        await Assert.ThrowsAsync<BlobTooLargeException>(
            () => Store.WriteAsync("uploads/big.upload", new PatternStream(3 * 1024 * 1024, seekable: true), maxBytes: 1024 * 1024 + 1));

        Assert.Equal(1024 * 1024 + 1, error.MaxBytes);
        Assert.False(await Store.ExistsAsync("uploads/big.upload"));
        Assert.Empty(await ListAsync(""));
        await AssertNothingLeftAsync();
    }

    [Fact]
    public virtual async Task Write_AtTheLimit_IsKept()
    {
        Assert.Equal(1000, await Store.WriteAsync("uploads/exact.upload", new PatternStream(1000), maxBytes: 1000));

        Assert.True(await Store.ExistsAsync("uploads/exact.upload"));
    }

    [Fact]
    public virtual async Task Write_StreamFailsMidway_NothingVisibleAndOldContentKept()
    {
        await Store.WriteAsync("uploads/job.upload", new MemoryStream("old content"u8.ToArray()));

        await Assert.ThrowsAsync<IOException>(
            () => Store.WriteAsync("uploads/job.upload", new PatternStream(5 * 1024 * 1024) { FailAfter = (2 * 1024 * 1024) + 17 }));
        await Assert.ThrowsAsync<IOException>(
            () => Store.WriteAsync("uploads/other.upload", new PatternStream(5 * 1024 * 1024) { FailAfter = 1024 }));

        Assert.False(await Store.ExistsAsync("uploads/other.upload"));
        Assert.Equal("old content", await ReadTextAsync("uploads/job.upload"));
        Assert.Equal(["uploads/job.upload"], (await ListAsync("")).Select(blob => blob.Key));
        await AssertNothingLeftAsync();
    }

    [Fact]
    public virtual async Task Write_Cancelled_NothingVisible()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => Store.WriteAsync("uploads/cancelled.upload", new PatternStream(2 * 1024 * 1024), cancellationToken: cancelled.Token));

        Assert.False(await Store.ExistsAsync("uploads/cancelled.upload"));
    }

    [Fact]
    public virtual async Task Write_ExistingKey_ReplacesTheContent()
    {
        await Store.WriteAsync("originals/cd/doc.md", new PatternStream(3 * 1024 * 1024));

        await Store.WriteAsync("originals/cd/doc.md", new MemoryStream("second"u8.ToArray()));

        Assert.Equal("second", await ReadTextAsync("originals/cd/doc.md"));
        Assert.Equal(6, Assert.Single(await ListAsync("originals/cd/")).Size);
    }

    [Fact]
    public virtual async Task Delete_RemovesTheBlobAndSaysWhetherThereWasOne()
    {
        await Store.WriteAsync("uploads/a.upload", new PatternStream(2 * 1024 * 1024 + 5));
        await Store.WriteAsync("uploads/b.upload", new MemoryStream([1, 2, 3]));

        Assert.True(await Store.DeleteAsync("uploads/a.upload"));
        Assert.False(await Store.DeleteAsync("uploads/a.upload"));

        Assert.False(await Store.ExistsAsync("uploads/a.upload"));
        Assert.True(await Store.ExistsAsync("uploads/b.upload"));
        var error = await Assert.ThrowsAsync<BlobNotFoundException>(() => Store.OpenReadAsync("uploads/a.upload"));
        Assert.IsAssignableFrom<FileNotFoundException>(error);
        Assert.Equal("uploads/a.upload", error.Key);
    }

    [Fact]
    public virtual async Task List_Prefix_ListsOnlyKeysStartingWithIt()
    {
        foreach (var key in (string[])["uploads/a1.upload", "uploads/a2.upload", "uploads/b.upload", "originals/a1/x.pdf"])
        {
            await Store.WriteAsync(key, new MemoryStream([1]));
        }

        Assert.Equal(["uploads/a1.upload", "uploads/a2.upload"], await KeysAsync("uploads/a"));
        Assert.Equal(["uploads/a1.upload", "uploads/a2.upload", "uploads/b.upload"], await KeysAsync("uploads/"));
        Assert.Equal(["originals/a1/x.pdf"], await KeysAsync("originals/a1/"));
        Assert.Equal(4, (await KeysAsync("")).Length);
        Assert.Empty(await KeysAsync("uploads/c"));
    }

    [Fact]
    public virtual async Task HostileKeys_AreRefusedByEveryOperation()
    {
        string[] hostile =
        [
            "", "../qwenrag.db", "uploads/../../etc/passwd", "/etc/passwd", "uploads//x", "uploads/x/", "uploads\\x",
            "Uploads/X.upload", "uploads/.hidden", "uploads/..", "uploads/x y", "uploads/x\0", "uploads/ä", "uploads/x%2f..",
            "uploads/" + new string('a', 300), "uploads/x'; DROP TABLE blobs; --",
        ];
        foreach (var key in hostile)
        {
            await Assert.ThrowsAsync<ArgumentException>(() => Store.WriteAsync(key, new MemoryStream([1])));
            await Assert.ThrowsAsync<ArgumentException>(() => Store.OpenReadAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(() => Store.ExistsAsync(key));
            await Assert.ThrowsAsync<ArgumentException>(() => Store.DeleteAsync(key));
        }

        await Assert.ThrowsAsync<ArgumentException>(() => ListAsync("../"));
        await Assert.ThrowsAsync<ArgumentException>(() => ListAsync("uploads/%"));
        Assert.Empty(await ListAsync(""));
    }

    [Fact]
    public virtual async Task Read_WhileOverwritten_SeesOneWholeVersion()
    {
        await Store.WriteAsync("uploads/v.upload", new PatternStream(3 * 1024 * 1024));
        await using var reading = await Store.OpenReadAsync("uploads/v.upload");
        var first = new byte[1024];
        await reading.ReadExactlyAsync(first);

        await Store.WriteAsync("uploads/v.upload", new MemoryStream("new"u8.ToArray()));

        var rest = new MemoryStream();
        await reading.CopyToAsync(rest);
        Assert.Equal(3 * 1024 * 1024, first.Length + rest.Length);
        Assert.Equal(PatternStream.ByteAt(3 * 1024 * 1024 - 1), rest.ToArray()[^1]);
        Assert.Equal("new", await ReadTextAsync("uploads/v.upload"));
    }

    [Fact]
    public virtual async Task Write_TwoWritersOfOneKeyAtOnce_BothSucceedAndOneWholeVersionRemains()
    {
        var first = new byte[(2 * 1024 * 1024) + 3];
        var second = new byte[1024 * 1024];
        Array.Fill(first, (byte)1);
        Array.Fill(second, (byte)2);

        await Task.WhenAll(
            Task.Run(() => Store.WriteAsync("uploads/both.upload", new MemoryStream(first))),
            Task.Run(() => Store.WriteAsync("uploads/both.upload", new MemoryStream(second))));

        var kept = new MemoryStream();
        await using (var read = await Store.OpenReadAsync("uploads/both.upload"))
        {
            await read.CopyToAsync(kept);
        }

        Assert.True(kept.ToArray().SequenceEqual(first) || kept.ToArray().SequenceEqual(second), "the blob mixes the two writes");
        Assert.Equal(kept.Length, Assert.Single(await ListAsync("uploads/")).Size);
    }

    /// <summary>Opens a fresh, empty store.</summary>
    protected abstract Task<IBlobStore> OpenAsync();

    protected virtual Task CloseAsync(IBlobStore store) => Task.CompletedTask;

    /// <summary>Checks the store's own leftovers of a failed write (temporary files, rows) are gone.</summary>
    protected virtual Task AssertNothingLeftAsync() => Task.CompletedTask;

    private async Task<List<BlobInfo>> ListAsync(string prefix)
    {
        var blobs = new List<BlobInfo>();
        await foreach (var blob in Store.ListAsync(prefix))
        {
            blobs.Add(blob);
        }

        return blobs;
    }

    private async Task<string[]> KeysAsync(string prefix) =>
        [.. (await ListAsync(prefix)).Select(blob => blob.Key).Order(StringComparer.Ordinal)];

    private async Task<byte[]> HashAsync(string key)
    {
        await using var read = await Store.OpenReadAsync(key);
        return await SHA256.HashDataAsync(read);
    }

    private async Task<string> ReadTextAsync(string key)
    {
        await using var read = await Store.OpenReadAsync(key);
        using var reader = new StreamReader(read);
        return await reader.ReadToEndAsync();
    }

    /// <summary>Reads the blob through one buffer, checking every byte against the pattern; returns its length.</summary>
    private async Task<long> DrainAsync(string key, byte[] buffer)
    {
        await using var read = await Store.OpenReadAsync(key);
        long position = 0;
        int count;
        while ((count = await read.ReadAsync(buffer)) > 0)
        {
            for (var i = 0; i < count; i++)
            {
                if (buffer[i] != PatternStream.ByteAt(position + i))
                {
                    Assert.Fail($"byte {position + i} of {key} differs from what was written");
                }
            }

            position += count;
        }

        return position;
    }
}
