using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

public sealed class LocalStagedUploadsTests : StagedUploadsContract, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    protected override Task<IBlobStore> OpenAsync() => Task.FromResult<IBlobStore>(LocalBlobStore.For(new DataDirectory(_directory.Path)));
}
