using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>The document catalog's contract, run on SQLite and on PostgreSQL (skipped where its cluster cannot start).</summary>
public sealed class DocumentCatalogContractTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 12, 0, 0, 123, TimeSpan.Zero);

    private StoreUnderTest? _store;
    private IDocumentCatalog _catalog = null!;

    public void Dispose() => _store?.Dispose();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void BeginIndexing_NewDocument_FoundIndexingWithItsFieldsAndListedAsInterrupted(StoreKind store)
    {
        Use(store);
        var entry = Entry("docs", "aaa", "notes.md", tags: ["harbour", "2024"]);

        _catalog.BeginIndexing(entry);

        var found = _catalog.Find("docs", "aaa")!;
        Assert.Equal(entry with { Tags = found.Tags }, found);
        Assert.Equal(["harbour", "2024"], found.Tags);
        Assert.Equal(DocumentStatus.Indexing, found.Status);
        Assert.Equal(["aaa"], _catalog.ListInterrupted().Select(e => e.Id));
        Assert.Null(_catalog.Find("docs", "missing"));
        Assert.Null(_catalog.Find("other", "aaa"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void CompleteIndexing_Indexing_ReadyWithCountsAndNoLongerInterrupted(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("docs", "aaa", "a.pdf"));
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);

        _catalog.CompleteIndexing("docs", "aaa", pages: 7, chunks: 21);

        var ready = _catalog.Find("docs", "aaa")!;
        Assert.Equal((DocumentStatus.Ready, 7, 21), (ready.Status, ready.Pages, ready.Chunks));
        Assert.True(ready.IngestedAt > before);
        Assert.Empty(_catalog.ListInterrupted());
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void BeginIndexing_SameBytesAgain_ReplacesTheRecord(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("docs", "aaa", "old-name.txt", tags: ["x"]));
        _catalog.CompleteIndexing("docs", "aaa", 1, 3);

        _catalog.BeginIndexing(Entry("docs", "aaa", "new-name.txt", tags: ["y", "z"]));

        var entry = Assert.Single(_catalog.List("docs"));
        Assert.Equal(("new-name.txt", DocumentStatus.Indexing, 0), (entry.Name, entry.Status, entry.Chunks));
        Assert.Equal(["y", "z"], entry.Tags);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void ListAndFindByName_SeveralSets_OwnSetOnlyByNameThenTime(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("docs", "c1", "b.txt", at: Noon));
        _catalog.BeginIndexing(Entry("docs", "c2", "a.txt", at: Noon.AddMinutes(2)));
        _catalog.BeginIndexing(Entry("docs", "c3", "a.txt", at: Noon.AddMinutes(1)));
        _catalog.BeginIndexing(Entry("docs", "c4", "B.txt", at: Noon));
        _catalog.BeginIndexing(Entry("other", "c5", "a.txt", at: Noon));

        Assert.Equal(["c4", "c3", "c2", "c1"], _catalog.List("docs").Select(e => e.Id));
        Assert.Equal(["c2", "c3"], _catalog.FindByName("docs", "a.txt").Select(e => e.Id).Order());
        Assert.Equal(["c5"], _catalog.List("other").Select(e => e.Id));
        Assert.Empty(_catalog.List("none"));
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void ListSets_ReadyDocumentsOnly_CountsPerSetByName(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("zeta", "z1", "z.txt", pages: 2));
        _catalog.CompleteIndexing("zeta", "z1", pages: 2, chunks: 5);
        _catalog.BeginIndexing(Entry("alpha", "a1", "a.txt"));
        _catalog.CompleteIndexing("alpha", "a1", pages: 3, chunks: 4);
        _catalog.BeginIndexing(Entry("alpha", "a2", "b.txt"));
        _catalog.CompleteIndexing("alpha", "a2", pages: 1, chunks: 6);
        _catalog.BeginIndexing(Entry("alpha", "a3", "still-indexing.txt"));
        _catalog.BeginIndexing(Entry("pending", "p1", "p.txt"));

        Assert.Equal([new SetSummary("alpha", 2, 10, 4), new SetSummary("zeta", 1, 5, 2)], _catalog.ListSets());
        Assert.True(_catalog.SetExists("pending"));
        Assert.False(_catalog.SetExists("none"));
        _catalog.RequireSet("alpha");
        Assert.Equal("none", Assert.Throws<UnknownSetException>(() => _catalog.RequireSet("none")).Set);
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void Remove_Document_GoneFromItsSetOnlyAndOriginalStillReferencedElsewhere(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("docs", "aaa", "a.txt", original: "/data/originals/aaa.txt"));
        _catalog.BeginIndexing(Entry("other", "aaa", "a.txt", original: "/data/originals/aaa.txt"));

        _catalog.Remove("docs", "aaa");

        Assert.Null(_catalog.Find("docs", "aaa"));
        Assert.False(_catalog.SetExists("docs"));
        Assert.True(_catalog.IsOriginalReferenced("/data/originals/aaa.txt"));
        _catalog.Remove("other", "aaa");
        Assert.False(_catalog.IsOriginalReferenced("/data/originals/aaa.txt"));
        _catalog.Remove("other", "aaa"); // removing what is gone is fine
    }

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public void Catalog_WrittenByOneInstance_ReadByAnother(StoreKind store)
    {
        Use(store);
        _catalog.BeginIndexing(Entry("docs", "aaa", "a.txt", at: Noon));

        var other = _store!.NewCatalog();

        Assert.Equal(Noon, other.Find("docs", "aaa")!.IngestedAt);
        other.CompleteIndexing("docs", "aaa", 1, 1);
        Assert.Equal(DocumentStatus.Ready, _catalog.Find("docs", "aaa")!.Status);
    }

    private void Use(StoreKind store)
    {
        _store = new StoreUnderTest(store, cluster);
        _catalog = _store.NewCatalog();
    }

    private static DocumentEntry Entry(
        string set, string id, string name, string[]? tags = null, DateTimeOffset? at = null, int pages = 1, string? original = null) =>
        new(set, id, name, original ?? $"/data/originals/{id}", 1234, pages, 0, DocumentStatus.Indexing, tags ?? [], at ?? Noon);
}
