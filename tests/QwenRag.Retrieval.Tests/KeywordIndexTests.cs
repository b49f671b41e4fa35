using Microsoft.Data.Sqlite;
using QwenRag.Core;
using static QwenRag.Retrieval.Tests.KeywordTestDatabase;

namespace QwenRag.Retrieval.Tests;

public sealed class KeywordIndexTests : IDisposable
{
    private static readonly SearchFilter Docs = new("docs");

    private readonly KeywordTestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task SearchAsync_RareTerm_RanksChunkWithTermFirst()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync(
        [
            Chunk("c1", "The model was trained on a large corpus of web text for many steps."),
            Chunk("c2", "The model uses rotary position embeddings scaled with YaRN for long context."),
            Chunk("c3", "The model was evaluated on several benchmarks with a short context."),
        ]);

        var hits = await index.SearchAsync("How is the model scaled with yarn?", 10, Docs);

        Assert.NotEmpty(hits);
        Assert.Equal("c2", hits[0].Chunk.Id.Name());
        Assert.All(hits, hit => Assert.True(hit.Score > 0));
        Assert.Equal(hits.OrderByDescending(hit => hit.Score).Select(hit => hit.Chunk.Id.Name()), hits.Select(hit => hit.Chunk.Id.Name()));
    }

    [Fact]
    public async Task SearchAsync_InflectedWord_FindsStemmedForm()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("c1", "We fine-tuned the models with a linear warmup of 20 steps."), Chunk("c2", "Unrelated text about cats.")]);

        var hits = await index.SearchAsync("fine-tuning step", 10, Docs);

        Assert.Equal("c1", Assert.Single(hits).Chunk.Id.Name());
    }

    [Fact]
    public async Task UpsertAsync_Chunk_RoundTripsEveryField()
    {
        var index = _database.OpenIndex();
        var chunk = new ChunkRecord(TestChunkIds.Of("c1"), "docs", "doc-7", "paper.pdf", 4, 7, 8, "Passkey retrieval accuracy.", ["a", "b c"]);
        await index.UpsertAsync([chunk]);

        var hit = Assert.Single(await index.SearchAsync("passkey", 5, Docs));

        Assert.Equal(chunk with { Tags = hit.Chunk.Tags }, hit.Chunk);
        Assert.Equal(["a", "b c"], hit.Chunk.Tags);
    }

    [Fact]
    public async Task UpsertAsync_SameChunkTwice_ReplacesWithoutDuplicating()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("c1", "alpha version of the text")]);
        await index.UpsertAsync([Chunk("c1", "alpha version of the text")]);
        await index.UpsertAsync([Chunk("c1", "beta version of the text")]);

        Assert.Empty(await index.SearchAsync("alpha", 10, Docs));
        var hit = Assert.Single(await index.SearchAsync("version", 10, Docs));
        Assert.Equal("beta version of the text", hit.Chunk.Text);
    }

    [Fact]
    public async Task DeleteDocumentAsync_OneDocument_RemovesOnlyItsChunks()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync(
        [
            Chunk("a1", "shared words here", document: "a"),
            Chunk("a2", "more shared words", document: "a"),
            Chunk("b1", "shared words too", document: "b"),
            Chunk("x1", "shared words elsewhere", set: "other", document: "a"),
        ]);

        await index.DeleteDocumentAsync("docs", "a");

        Assert.Equal(["b1"], (await index.SearchAsync("shared", 10, Docs)).Select(hit => hit.Chunk.Id.Name()));
        Assert.Single(await index.SearchAsync("shared", 10, new SearchFilter("other")));
    }

    [Fact]
    public async Task DeleteSetAsync_OneSet_RemovesOnlyThatSet()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("d1", "shared words", set: "docs"), Chunk("o1", "shared words", set: "other")]);

        await index.DeleteSetAsync("docs");

        Assert.Empty(await index.SearchAsync("shared", 10, Docs));
        Assert.Equal("o1", Assert.Single(await index.SearchAsync("shared", 10, new SearchFilter("other"))).Chunk.Id.Name());
    }

    [Fact]
    public async Task SearchAsync_Filters_KeepOnlyMatchingSetDocumentsAndTags()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync(
        [
            Chunk("a1", "governor setting", document: "a", tags: ["linux", "perf"]),
            Chunk("b1", "governor setting", document: "b", tags: ["linux"]),
            Chunk("c1", "governor setting", document: "c", tags: ["perf"]),
            Chunk("o1", "governor setting", set: "other", document: "a", tags: ["linux", "perf"]),
        ]);

        async Task<IEnumerable<string>> Ids(SearchFilter filter) =>
            (await index.SearchAsync("governor", 10, filter)).Select(hit => hit.Chunk.Id.Name()).Order(StringComparer.Ordinal);

        Assert.Equal(["a1", "b1", "c1"], await Ids(Docs));
        Assert.Equal(["a1", "c1"], await Ids(Docs with { DocumentIds = ["a", "c"] }));
        Assert.Equal(["a1", "b1"], await Ids(Docs with { Tags = ["linux"] }));
        Assert.Equal(["a1"], await Ids(Docs with { Tags = ["linux", "perf"] }));
        Assert.Equal(["b1"], await Ids(Docs with { DocumentIds = ["b", "c"], Tags = ["linux"] }));
        Assert.Empty(await Ids(new SearchFilter("missing")));
    }

    [Fact]
    public async Task SearchAsync_Top_LimitsResults()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync(Enumerable.Range(0, 20).Select(i => Chunk($"c{i:00}", $"common word number {i}")).ToList());

        Assert.Equal(5, (await index.SearchAsync("common", 5, Docs)).Count);
    }

    [Theory]
    [InlineData("\"foo\" AND -bar: NEAR(")]
    [InlineData("c++")]
    [InlineData("NOT")]
    [InlineData("OR AND NEAR")]
    [InlineData("text:foo* ^bar {x y}")]
    [InlineData("((( \"\" ' ` ;")]
    [InlineData("DROP TABLE keyword_chunks; --")]
    [InlineData("l'équipe naïve — 51.9% «quote»")]
    public async Task SearchAsync_HostileQuery_DoesNotThrow(string query)
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("c1", "foo bar near c and text with NOT and OR inside")]);

        var hits = await index.SearchAsync(query, 10, Docs);

        Assert.NotNull(hits);
        Assert.Single(await index.SearchAsync("foo", 10, Docs));
    }

    [Fact]
    public async Task SearchAsync_QueryWithOperatorWords_MatchesThemAsWords()
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("c1", "the NEAR operator"), Chunk("c2", "something else")]);

        var hits = await index.SearchAsync("NEAR(", 10, Docs);

        Assert.Equal("c1", Assert.Single(hits).Chunk.Id.Name());
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("?!.,;")]
    [InlineData("what is the and of it")]
    public async Task SearchAsync_NoSearchableTerm_ReturnsNothing(string query)
    {
        var index = _database.OpenIndex();
        await index.UpsertAsync([Chunk("c1", "what is the and of it")]);

        Assert.Empty(await index.SearchAsync(query, 10, Docs));
    }

    [Fact]
    public async Task SearchAsync_NewInstance_SeesPersistedChunks()
    {
        var first = _database.OpenIndex();
        await first.UpsertAsync([Chunk("c1", "persistent passkey")]);
        first.Dispose();

        var second = _database.OpenIndex();

        Assert.Equal("c1", Assert.Single(await second.SearchAsync("passkey", 10, Docs)).Chunk.Id.Name());
    }

    [Fact]
    public async Task Constructor_SharedDatabase_UsesWalAndLeavesOtherTablesAlone()
    {
        await using (var other = new SqliteConnection($"Data Source={_database.Data.DatabasePath};Pooling=False"))
        {
            await other.OpenAsync();
            await using var create = other.CreateCommand();
            create.CommandText = "CREATE TABLE documents (id TEXT PRIMARY KEY); INSERT INTO documents VALUES ('d1');";
            await create.ExecuteNonQueryAsync();
        }

        _database.OpenIndex();
        _database.OpenIndex();

        await using var connection = new SqliteConnection($"Data Source={_database.Data.DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode";
        Assert.Equal("wal", await command.ExecuteScalarAsync());
        command.CommandText = "SELECT count(*) FROM documents";
        Assert.Equal(1L, await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task SearchAsync_InvalidArguments_Throw()
    {
        var index = _database.OpenIndex();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => index.SearchAsync("x", 0, Docs));
        await Assert.ThrowsAsync<ArgumentNullException>(() => index.SearchAsync("x", 1, null!));
    }
}
