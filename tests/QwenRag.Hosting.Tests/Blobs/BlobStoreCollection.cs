using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>
/// The blob store tests, run alone: they measure the process's allocations, which tests running beside them would
/// add to. One PostgreSQL cluster serves them all.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BlobStoreCollection : ICollectionFixture<PostgresCluster>
{
    public const string Name = "Blob stores";
}
