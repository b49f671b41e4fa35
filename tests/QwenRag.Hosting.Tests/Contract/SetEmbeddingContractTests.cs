using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Postgres;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>The embedding model recorded per set, on SQLite and on PostgreSQL (skipped where its cluster cannot start).</summary>
public sealed class SetEmbeddingContractTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private StoreUnderTest? _store;

    public void Dispose() => _store?.Dispose();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void StampSet_FirstModelWins_LaterStampsReturnIt(StoreKind store)
    {
        var catalog = Use(store);
        Assert.Null(catalog.FindSetEmbedding("docs"));

        Assert.Equal(new SetEmbedding("model-a", 384), catalog.StampSet("docs", "model-a", 384));
        Assert.Equal(new SetEmbedding("model-a", 384), _store!.NewCatalog().StampSet("docs", "model-b", 768));
        Assert.Equal(new SetEmbedding("model-b", 768), catalog.StampSet("other", "model-b", 768));
        Assert.Equal(new SetEmbedding("model-a", 384), catalog.FindSetEmbedding("docs"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void ModelSwitch_PendingUntilSwitched_ThenTheNewModelAndInTheSetSummary(StoreKind store)
    {
        var catalog = Use(store);
        AddReady(catalog, "docs", "d1");
        catalog.StampSet("docs", "model-a", 384);

        catalog.BeginModelSwitch("docs", "model-b", 384);
        Assert.Equal(new SetEmbedding("model-a", 384, "model-b", 384), catalog.FindSetEmbedding("docs"));
        var pending = Assert.Throws<EmbeddingModelMismatchException>(() => catalog.RequireEmbeddingModel("docs", "model-b"));
        Assert.Contains("is being re-embedded with model-b", pending.Message, StringComparison.Ordinal);

        catalog.SwitchModel("docs", "model-b", 384);
        Assert.Equal(new SetEmbedding("model-b", 384), catalog.FindSetEmbedding("docs"));
        catalog.RequireEmbeddingModel("docs", "MODEL-B");
        Assert.Equal("model-b", Assert.Single(catalog.ListSets()).EmbeddingModel);
        var mismatch = Assert.Throws<EmbeddingModelMismatchException>(() => catalog.RequireEmbeddingModel("docs", "model-a"));
        Assert.Contains("indexed with embedding model model-b, but this process embeds with model-a", mismatch.Message, StringComparison.Ordinal);
        Assert.Contains("qwenrag reindex --set docs --embedding model-a", mismatch.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void Remove_LastDocumentOfASet_ItsModelGoesWithIt(StoreKind store)
    {
        var catalog = Use(store);
        AddReady(catalog, "docs", "d1");
        AddReady(catalog, "docs", "d2");
        catalog.StampSet("docs", "model-a", 384);

        catalog.Remove("docs", "d1");
        Assert.NotNull(catalog.FindSetEmbedding("docs"));
        catalog.Remove("docs", "d2");

        Assert.Null(catalog.FindSetEmbedding("docs"));
        Assert.Equal(new SetEmbedding("model-b", 768), catalog.StampSet("docs", "model-b", 768));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void Migrate_CatalogFromBeforeTheModelRecord_ExistingSetsStampedMiniLm(StoreKind store)
    {
        _store = new StoreUnderTest(store, cluster);
        if (store == StoreKind.Sqlite)
        {
            _store.Data.Database.Migrate(DocumentCatalog.SchemaComponent, DocumentCatalog.Migrations.Take(3).ToList());
            _store.ExecuteSql("""
                INSERT INTO documents VALUES ('old', 'd1', 'a.pdf', 'originals/d1.pdf', 10, 1, 3, 'Ready', '[]', 0);
                INSERT INTO documents VALUES ('old', 'd2', 'b.pdf', 'originals/d2.pdf', 10, 1, 3, 'Ready', '[]', 0);
                INSERT INTO documents VALUES ('older', 'd3', 'c.pdf', 'originals/d3.pdf', 10, 1, 3, 'Indexing', '[]', 0);
                """);
        }
        else
        {
            _store.NewDatabase().Migrate(PostgresDocumentCatalog.SchemaComponent, PostgresDocumentCatalog.Migrations.Take(1).ToList());
            _store.ExecuteSql("""
                INSERT INTO documents VALUES ('old', 'd1', 'a.pdf', 'originals/d1.pdf', 10, 1, 3, 'Ready', '{}', now());
                INSERT INTO documents VALUES ('old', 'd2', 'b.pdf', 'originals/d2.pdf', 10, 1, 3, 'Ready', '{}', now());
                INSERT INTO documents VALUES ('older', 'd3', 'c.pdf', 'originals/d3.pdf', 10, 1, 3, 'Indexing', '{}', now());
                """);
        }

        var catalog = _store.NewCatalog();

        Assert.Equal(new SetEmbedding("all-MiniLM-L6-v2", 384), catalog.FindSetEmbedding("old"));
        Assert.Equal(new SetEmbedding("all-MiniLM-L6-v2", 384), catalog.FindSetEmbedding("older"));
        Assert.Null(catalog.FindSetEmbedding("new"));
        Assert.Equal(_store.LatestVersion(DocumentCatalog.SchemaComponent), _store.SchemaVersion(DocumentCatalog.SchemaComponent));
        Assert.Equal("all-MiniLM-L6-v2", Assert.Single(catalog.ListSets()).EmbeddingModel);
    }

    private IDocumentCatalog Use(StoreKind store)
    {
        _store = new StoreUnderTest(store, cluster);
        return _store.NewCatalog();
    }

    private static void AddReady(IDocumentCatalog catalog, string set, string id)
    {
        catalog.BeginIndexing(new DocumentEntry(set, id, id + ".txt", $"originals/{id}.txt", 10, 1, 0, DocumentStatus.Indexing, [], DateTimeOffset.UtcNow));
        catalog.CompleteIndexing(set, id, 1, 2);
    }
}
