using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

[Collection(BlobStoreCollection.Name)]
public sealed class PostgresStagedUploadsTests(PostgresCluster postgres) : StagedUploadsContract
{
    [PostgresFact]
    public override Task Stage_OverTheLimit_RejectedAsTooLargeWithTheLimitInMegabytesAndNothingKept() =>
        base.Stage_OverTheLimit_RejectedAsTooLargeWithTheLimitInMegabytesAndNothingKept();

    [PostgresFact]
    public override Task Prune_DeletesWhatNothingWillReadAgain() => base.Prune_DeletesWhatNothingWillReadAgain();

    protected override async Task<IBlobStore> OpenAsync() => PostgresCluster.SkipReason is null
        ? new PostgresBlobStore(await postgres.CreateDatabaseAsync())
        : new PostgresBlobStore("Host=127.0.0.1;Port=1");
}
