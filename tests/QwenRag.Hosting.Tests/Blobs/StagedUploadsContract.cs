using QwenRag.Core.Blobs;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>Staged uploads keep their promises over every blob store: the limit's message, nothing partial, pruning.</summary>
public abstract class StagedUploadsContract : IAsyncLifetime
{
    private static readonly string Succeeded = new('a', 32);
    private static readonly string FailedLongAgo = new('b', 32);
    private static readonly string FailedRecently = new('c', 32);
    private static readonly string Orphan = new('d', 32);

    private IBlobStore? _store;

    private IBlobStore Store => _store ?? throw new InvalidOperationException("The store is not open.");

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        if (_store is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public virtual async Task Stage_OverTheLimit_RejectedAsTooLargeWithTheLimitInMegabytesAndNothingKept()
    {
        var uploads = new StagedUploads(Store);

        var error = await Assert.ThrowsAsync<DocumentRejectedException>(
            () => uploads.StageAsync(Succeeded, "big.pdf", new PatternStream(3 * 1024 * 1024), 2 * 1024 * 1024));

        Assert.Equal(DocumentRejectionReason.TooLarge, error.Reason);
        Assert.Equal("big.pdf: the file is larger than the limit of 2 MB", error.Message);
        Assert.False(await uploads.ExistsAsync(Succeeded));
    }

    [Fact]
    public virtual async Task Prune_DeletesWhatNothingWillReadAgain()
    {
        var uploads = new StagedUploads(Store);
        foreach (var id in (string[])[Succeeded, FailedLongAgo, FailedRecently, Orphan])
        {
            await uploads.StageAsync(id, "x.md", new MemoryStream("x"u8.ToArray()), 1024);
        }

        var now = DateTimeOffset.UtcNow;
        var jobs = new Dictionary<string, (JobStatus Status, DateTimeOffset UpdatedAt)>
        {
            [Succeeded] = (JobStatus.Succeeded, now),
            [FailedLongAgo] = (JobStatus.Failed, now.AddDays(-30)),
            [FailedRecently] = (JobStatus.Failed, now),
        };

        Assert.Equal(2, await uploads.PruneAsync(jobs, TimeSpan.FromDays(7), TimeSpan.FromHours(1)));
        Assert.Equal(1, uploads.Prune(jobs, TimeSpan.FromDays(7), TimeSpan.Zero));

        Assert.True(uploads.Exists(FailedRecently));
        Assert.False(await uploads.ExistsAsync(Orphan));
        await using var staged = await uploads.OpenReadAsync(FailedRecently);
        Assert.Equal((int)'x', staged.ReadByte());
    }

    protected abstract Task<IBlobStore> OpenAsync();
}
