using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>The contract against <see cref="LocalBlobStore"/> over a fresh data directory.</summary>
[Collection(BlobStoreCollection.Name)]
public sealed class LocalBlobStoreContractTests : BlobStoreContract, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    protected override Task<IBlobStore> OpenAsync() => Task.FromResult<IBlobStore>(LocalBlobStore.For(new DataDirectory(_directory.Path)));

    protected override Task AssertNothingLeftAsync()
    {
        Assert.DoesNotContain(
            Directory.GetFiles(_directory.Path, "*", SearchOption.AllDirectories),
            path => Path.GetFileName(path).EndsWith(".partial", StringComparison.Ordinal));
        return Task.CompletedTask;
    }
}
