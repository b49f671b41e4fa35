using Npgsql;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Blobs;

/// <summary>
/// The contract against <see cref="PostgresBlobStore"/> in a fresh database of the shared test cluster per test; skipped
/// where PostgreSQL is not installed.
/// </summary>
[Collection(BlobStoreCollection.Name)]
public sealed class PostgresBlobStoreContractTests(PostgresCluster postgres) : BlobStoreContract
{
    private string? _connectionString;

    [PostgresFact]
    public override Task Write_RealPdf_ReadsBackTheSameBytesAndSize() => base.Write_RealPdf_ReadsBackTheSameBytesAndSize();

    [PostgresFact]
    public override Task Write_EmptyContent_IsAnEmptyBlob() => base.Write_EmptyContent_IsAnEmptyBlob();

    [PostgresFact]
    public override Task Write_50MegabyteStream_WrittenAndReadBackWithBoundedAllocations() =>
        base.Write_50MegabyteStream_WrittenAndReadBackWithBoundedAllocations();

    [PostgresFact]
    public override Task Write_OverTheLimit_RefusedAndNothingLeft() => base.Write_OverTheLimit_RefusedAndNothingLeft();

    [PostgresFact]
    public override Task Write_AtTheLimit_IsKept() => base.Write_AtTheLimit_IsKept();

    [PostgresFact]
    public override Task Write_StreamFailsMidway_NothingVisibleAndOldContentKept() => base.Write_StreamFailsMidway_NothingVisibleAndOldContentKept();

    [PostgresFact]
    public override Task Write_Cancelled_NothingVisible() => base.Write_Cancelled_NothingVisible();

    [PostgresFact]
    public override Task Write_ExistingKey_ReplacesTheContent() => base.Write_ExistingKey_ReplacesTheContent();

    [PostgresFact]
    public override Task Delete_RemovesTheBlobAndSaysWhetherThereWasOne() => base.Delete_RemovesTheBlobAndSaysWhetherThereWasOne();

    [PostgresFact]
    public override Task List_Prefix_ListsOnlyKeysStartingWithIt() => base.List_Prefix_ListsOnlyKeysStartingWithIt();

    [PostgresFact]
    public override Task HostileKeys_AreRefusedByEveryOperation() => base.HostileKeys_AreRefusedByEveryOperation();

    [PostgresFact]
    public override Task Read_WhileOverwritten_SeesOneWholeVersion() => base.Read_WhileOverwritten_SeesOneWholeVersion();

    [PostgresFact]
    public override Task Write_TwoWritersOfOneKeyAtOnce_BothSucceedAndOneWholeVersionRemains() =>
        base.Write_TwoWritersOfOneKeyAtOnce_BothSucceedAndOneWholeVersionRemains();

    [PostgresFact]
    public async Task Write_LargeBlob_StoredInChunksOfTheChunkSize()
    {
        await Store.WriteAsync("uploads/chunked.upload", new PatternStream((2L * PostgresBlobStore.ChunkSize) + 10));

        Assert.Equal(
            new[] { PostgresBlobStore.ChunkSize, PostgresBlobStore.ChunkSize, 10 },
            await QueryAsync("SELECT length(data) FROM blob_chunks WHERE key = 'uploads/chunked.upload' ORDER BY seq"));
    }

    [PostgresFact]
    public async Task Delete_CascadesToTheChunks()
    {
        await Store.WriteAsync("uploads/gone.upload", new PatternStream((2L * PostgresBlobStore.ChunkSize) + 10));

        await Store.DeleteAsync("uploads/gone.upload");

        Assert.Equal(new[] { 0 }, await QueryAsync("SELECT count(*)::int FROM blob_chunks"));
    }

    [PostgresFact]
    public async Task Schema_TwoStoresStartingTogether_CreateItOnceAtTheLatestVersion()
    {
        await using var other = new PostgresBlobStore(_connectionString!);
        await using var third = new PostgresBlobStore(_connectionString!);

        // Each on a thread of its own: the migration runs synchronously inside InitializeAsync.
        await Task.WhenAll(
            Task.Run(() => other.InitializeAsync()),
            Task.Run(() => third.InitializeAsync()),
            Task.Run(() => ((PostgresBlobStore)Store).InitializeAsync()));

        Assert.Equal(
            new[] { 1 },
            await QueryAsync($"SELECT version FROM schema_migrations WHERE component = '{PostgresBlobStore.SchemaComponent}'"));
    }

    protected override async Task<IBlobStore> OpenAsync()
    {
        if (PostgresCluster.SkipReason is not null)
        {
            // Skipped tests still open a store: one that is never used.
            return new PostgresBlobStore("Host=127.0.0.1;Port=1");
        }

        _connectionString = await postgres.CreateDatabaseAsync();
        return new PostgresBlobStore(_connectionString);
    }

    protected override async Task CloseAsync(IBlobStore store) => await ((PostgresBlobStore)store).DisposeAsync();

    protected override async Task AssertNothingLeftAsync()
    {
        // Only the old content of a blob whose overwrite failed may remain: no chunk without its blob, no half-written one.
        Assert.Equal(new[] { 0 }, await QueryAsync("SELECT count(*)::int FROM blob_chunks c WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.key = c.key)"));
        Assert.Equal(
            new[] { 0 },
            await QueryAsync("SELECT count(*)::int FROM blobs b WHERE size <> COALESCE((SELECT sum(length(data)) FROM blob_chunks c WHERE c.key = b.key), 0)"));
    }

    private async Task<int[]> QueryAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new List<int>();
        while (await reader.ReadAsync())
        {
            values.Add(reader.GetInt32(0));
        }

        return [.. values];
    }
}
