using QwenRag.Core;

namespace QwenRag.Retrieval.Tests.Contract;

/// <summary>
/// What every <see cref="IVectorStore"/> (and its <see cref="IHybridSearch"/>) promises, run against each store by
/// a derived class that opens a fresh, empty store per test. Vectors are small hand-made ones of
/// <see cref="Dimensions"/> dimensions, so no embedding model is needed.
/// </summary>
public abstract class VectorStoreContract : IAsyncLifetime
{
    /// <summary>The size of every vector in the contract; a store for a model must be built for it.</summary>
    protected const int Dimensions = 8;

    private static readonly SearchFilter Docs = new("docs");

    private IVectorStore? _store;

    private IVectorStore Store => _store ?? throw new InvalidOperationException("The store is not open.");

    public async Task InitializeAsync() => _store = await OpenAsync();

    public Task DisposeAsync() => _store is null ? Task.CompletedTask : CloseAsync(_store);

    [Fact]
    public virtual async Task Upsert_Chunks_AreSearchableWithEveryField()
    {
        var chunk = Chunk("a", V(1), document: "d1", text: "The frequency governor.", tags: ["linux", "perf tuning"]);
        await Store.UpsertAsync([chunk, Chunk("b", V(0, 1))]);

        var hits = await Store.SearchAsync(V(1), 10, Docs);

        Assert.Equal(["a", "b"], hits.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(chunk.Chunk with { Tags = hits[0].Chunk.Tags }, hits[0].Chunk);
        Assert.Equal(["linux", "perf tuning"], hits[0].Chunk.Tags);
    }

    [Fact]
    public virtual async Task Upsert_SameChunksAgain_KeepsTheCountAndTakesTheNewText()
    {
        ChunkVector[] chunks = [Chunk("a", V(1)), Chunk("b", V(0, 1)), Chunk("c", V(0, 0, 1))];
        await Store.UpsertAsync(chunks);

        await Store.UpsertAsync([.. chunks[..2], Chunk("c", V(0, 0, 1), text: "new text of c")]);

        Assert.Equal(3, await CountAsync(Docs));
        Assert.Equal("new text of c", (await Store.SearchAsync(V(0, 0, 1), 1, Docs))[0].Chunk.Text);
    }

    [Fact]
    public virtual async Task DeleteDocument_RemovesOnlyThatDocumentOfThatSet()
    {
        await Store.UpsertAsync(
        [
            Chunk("a", V(1), document: "d1"),
            Chunk("b", V(1, 1), document: "d1"),
            Chunk("c", V(0, 1), document: "d2"),
            Chunk("o", V(1), set: "other", document: "d1"),
        ]);

        await Store.DeleteDocumentAsync("docs", "d1");

        Assert.Equal(["c"], await NamesAsync(V(1), Docs));
        Assert.Equal(["o"], await NamesAsync(V(1), new SearchFilter("other")));
    }

    [Fact]
    public virtual async Task DeleteSet_RemovesOnlyThatSet()
    {
        await Store.UpsertAsync([Chunk("a", V(1)), Chunk("b", V(0, 1)), Chunk("o", V(1), set: "other")]);

        await Store.DeleteSetAsync("docs");

        Assert.Empty(await Store.SearchAsync(V(1), 10, Docs));
        Assert.Equal(["o"], await NamesAsync(V(1), new SearchFilter("other")));
    }

    [Fact]
    public virtual async Task Filter_Set_SeesOnlyItsOwnChunks()
    {
        await Store.UpsertAsync([Chunk("a", V(1)), Chunk("o", V(1), set: "other"), Chunk("p", V(1), set: "other")]);

        Assert.Equal(["a"], await NamesAsync(V(1), Docs));
        Assert.Equal(["o", "p"], (await NamesAsync(V(1), new SearchFilter("other"))).Order(StringComparer.Ordinal));
        Assert.Empty(await Store.SearchAsync(V(1), 10, new SearchFilter("missing")));
    }

    [Fact]
    public virtual async Task Filter_Documents_KeepsAnyOfThem()
    {
        await Store.UpsertAsync(
        [
            Chunk("a", V(1), document: "d1"),
            Chunk("b", V(1, 0.1f), document: "d2"),
            Chunk("c", V(1, 0.2f), document: "d3"),
            Chunk("o", V(1), set: "other", document: "d2"),
        ]);

        Assert.Equal(["b", "c"], await NamesAsync(V(1), Docs with { DocumentIds = ["d2", "d3"] }));
        Assert.Equal(["a"], await NamesAsync(V(1), Docs with { DocumentIds = ["d1"] }));
        Assert.Empty(await Store.SearchAsync(V(1), 10, Docs with { DocumentIds = ["d9"] }));
    }

    [Fact]
    public virtual async Task Filter_Tags_KeepsChunksWithAllOfThem()
    {
        await Store.UpsertAsync(
        [
            Chunk("a", V(1), tags: ["linux", "perf"]),
            Chunk("b", V(1, 0.1f), tags: ["linux"]),
            Chunk("c", V(1, 0.2f), document: "d2", tags: ["perf"]),
            Chunk("d", V(1, 0.3f)),
            Chunk("o", V(1), set: "other", tags: ["linux", "perf"]),
        ]);

        Assert.Equal(["a", "b"], await NamesAsync(V(1), Docs with { Tags = ["linux"] }));
        Assert.Equal(["a"], await NamesAsync(V(1), Docs with { Tags = ["linux", "perf"] }));
        Assert.Equal(["a", "c"], await NamesAsync(V(1), Docs with { Tags = ["perf"] }));
        Assert.Equal(["c"], await NamesAsync(V(1), Docs with { Tags = ["perf"], DocumentIds = ["d2"] }));
        Assert.Empty(await Store.SearchAsync(V(1), 10, Docs with { Tags = ["nope"] }));
    }

    [Fact]
    public virtual async Task Search_TopK_NearestFirst()
    {
        await Store.UpsertAsync(
        [
            Chunk("e", V(-1)),
            Chunk("c", V(1, 1)),
            Chunk("a", V(1)),
            Chunk("d", V(0, 1)),
            Chunk("b", V(1, 0.5f)),
        ]);

        var hits = await Store.SearchAsync(V(1), 3, Docs);

        Assert.Equal(["a", "b", "c"], hits.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(1.0, hits[0].Score, 1e-4);
        Assert.Equal(1 / Math.Sqrt(1.25), hits[1].Score, 1e-4);
        Assert.Equal(1 / Math.Sqrt(2), hits[2].Score, 1e-4);
        Assert.Equal(["a", "b", "c", "d", "e"], await NamesAsync(V(1), Docs));
    }

    [Fact]
    public virtual async Task Hybrid_ChunkThatOnlyMatchesKeywords_IsFound()
    {
        await Store.UpsertAsync(
        [
            Chunk("n1", V(1), text: "Rain is expected over the hills tomorrow."),
            Chunk("n2", V(1, 0.1f), text: "Sunny spells follow the morning fog."),
            Chunk("n3", V(1, 0.2f), text: "Wind speeds pick up in the evening."),
            Chunk("n4", V(1, 0.3f), text: "Snow is unlikely this week."),
            Chunk("kw", V(-1), text: "Run cpupower frequency-set to pin the governor."),
        ]);
        var hybrid = Assert.IsAssignableFrom<IHybridSearch>(Store);

        var dense = await Store.SearchAsync(V(1), 2, Docs);
        var hits = await hybrid.SearchHybridAsync(new HybridQuery("cpupower governor", V(1), 3, 2), Docs);

        Assert.DoesNotContain(dense, hit => hit.Chunk.Id.Name() == "kw");
        Assert.Contains(hits, hit => hit.Chunk.Id.Name() == "kw");
        Assert.InRange(hits.Count, 1, 3);
        Assert.Equal(hits.Count, hits.Select(hit => hit.Chunk.Id).Distinct().Count());
        Assert.Equal(hits.OrderByDescending(hit => hit.Score).Select(hit => hit.Score), hits.Select(hit => hit.Score));
    }

    [Fact]
    public virtual async Task Hybrid_ChunkInBothLists_RanksFirstAndTopLimits()
    {
        await Store.UpsertAsync(
        [
            Chunk("both", V(1, 0.2f), text: "The performance governor keeps clocks high."),
            Chunk("near", V(1), text: "Rain is expected over the hills tomorrow."),
            Chunk("kw", V(-1, 1), text: "Another governor setting."),
            Chunk("x1", V(0, 1), text: "Sunny spells follow the morning fog."),
            Chunk("x2", V(0, 0, 1), text: "Wind speeds pick up in the evening."),
        ]);
        var hybrid = Assert.IsAssignableFrom<IHybridSearch>(Store);

        var hits = await hybrid.SearchHybridAsync(new HybridQuery("performance governor", V(1), 2, 5), Docs);

        Assert.Equal(2, hits.Count);
        Assert.Equal("both", hits[0].Chunk.Id.Name());
    }

    [Fact]
    public virtual async Task Hybrid_Filter_AppliesToBothLists()
    {
        await Store.UpsertAsync(
        [
            Chunk("a", V(1), document: "d1", text: "passkey retrieval accuracy"),
            Chunk("b", V(1), document: "d2", text: "passkey retrieval accuracy"),
            Chunk("o", V(1), set: "other", text: "passkey retrieval accuracy"),
        ]);
        var hybrid = Assert.IsAssignableFrom<IHybridSearch>(Store);

        var hits = await hybrid.SearchHybridAsync(new HybridQuery("passkey", V(1), 10, 10), Docs with { DocumentIds = ["d2"] });

        Assert.Equal("b", Assert.Single(hits).Chunk.Id.Name());
    }

    [Fact]
    public virtual async Task EnsureSet_AnotherDimension_IsRefused()
    {
        await Store.EnsureSetAsync("docs", Dimensions);
        await Store.UpsertAsync([Chunk("a", V(1))]);
        await Store.EnsureSetAsync("docs", Dimensions);

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Store.EnsureSetAsync("docs", 2 * Dimensions));

        Assert.Contains($"{Dimensions}-dimensional", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{2 * Dimensions}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public virtual async Task Upsert_WrongDimension_IsRefused()
    {
        await Store.UpsertAsync([Chunk("a", V(1))]);

        await Assert.ThrowsAsync<ArgumentException>(() => Store.UpsertAsync([new ChunkVector(Chunk("b", V(1)).Chunk, new float[] { 1, 0 })]));

        Assert.Equal(["a"], await NamesAsync(V(1), Docs));
    }

    /// <summary>A fresh, empty store for one test.</summary>
    protected abstract Task<IVectorStore> OpenAsync();

    /// <summary>Closes the store and removes what the test left.</summary>
    protected abstract Task CloseAsync(IVectorStore store);

    /// <summary>An 8-dimensional vector with these leading components, the rest 0.</summary>
    private static float[] V(params float[] leading)
    {
        var vector = new float[Dimensions];
        leading.CopyTo(vector, 0);
        return vector;
    }

    private static ChunkVector Chunk(
        string name, float[] vector, string set = "docs", string document = "doc-1", string? text = null, string[]? tags = null) =>
        new(new ChunkRecord(TestChunkIds.Of(name), set, document, document + ".pdf", 2, 3, 4, text ?? $"text of {name}", tags ?? []), vector);

    private async Task<List<string>> NamesAsync(float[] query, SearchFilter filter) =>
        (await Store.SearchAsync(query, 100, filter)).Select(hit => hit.Chunk.Id.Name()).ToList();

    private async Task<int> CountAsync(SearchFilter filter) => (await Store.SearchAsync(V(1), 100, filter)).Count;
}
