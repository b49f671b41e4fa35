using QwenRag.Core.Blobs;

namespace QwenRag.Hosting.Tests.Blobs;

[Collection(BlobStoreCollection.Name)]
public sealed class PostgresStagedUploadsTests(BlobTestPostgres postgres) : StagedUploadsContract
{
    [BlobPostgresFact]
    public override Task Stage_OverTheLimit_RejectedAsTooLargeWithTheLimitInMegabytesAndNothingKept() =>
        base.Stage_OverTheLimit_RejectedAsTooLargeWithTheLimitInMegabytesAndNothingKept();

    [BlobPostgresFact]
    public override Task Prune_DeletesWhatNothingWillReadAgain() => base.Prune_DeletesWhatNothingWillReadAgain();

    protected override async Task<IBlobStore> OpenAsync() => BlobTestPostgres.SkipReason is null
        ? new PostgresBlobStore(await postgres.CreateDatabaseAsync())
        : new PostgresBlobStore("Host=127.0.0.1;Port=1");
}
