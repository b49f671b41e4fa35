using QwenRag.Core;
using QwenRag.Retrieval.Vectors;

namespace QwenRag.Retrieval.Tests;

public sealed class VectorStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "qwenrag-vectors-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task SearchAsync_AfterUpsert_ReturnsNearestFirst()
    {
        using var store = Open();
        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "s", "d1", [0, 1, 0]), Chunk("c", "s", "d2", [0.9f, 0.1f, 0])]);

        var hits = await store.SearchAsync(new float[] { 1, 0, 0 }, 2, new SearchFilter("s"));

        Assert.Equal(["a", "c"], hits.Select(h => h.Chunk.Id.Name()));
        Assert.Equal(1.0, hits[0].Score, 5);
        Assert.Equal("doc-d1.txt", hits[0].Chunk.DocumentName);
        Assert.Equal("text of a", hits[0].Chunk.Text);
    }

    [Fact]
    public async Task UpsertAsync_SameIdTwice_ReplacesWithoutDuplicating()
    {
        using var store = Open();
        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "s", "d1", [0, 1, 0])]);

        await store.UpsertAsync([Chunk("a", "s", "d1", [0, 0, 1], text: "new text")]);

        Assert.Equal(2, store.Count("s"));
        var hits = await store.SearchAsync(new float[] { 0, 0, 1 }, 5, new SearchFilter("s"));
        Assert.Equal(2, hits.Count);
        Assert.Equal("a", hits[0].Chunk.Id.Name());
        Assert.Equal("new text", hits[0].Chunk.Text);
    }

    [Fact]
    public async Task DeleteDocumentAsync_Document_RemovesOnlyItsChunks()
    {
        using var store = Open();
        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "s", "d2", [0, 1, 0]), Chunk("c", "s", "d1", [0, 0, 1])]);

        await store.DeleteDocumentAsync("s", "d1");

        var hits = await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s"));
        Assert.Equal(["b"], hits.Select(h => h.Chunk.Id.Name()));
    }

    [Fact]
    public async Task DeleteSetAsync_Set_LeavesOtherSets()
    {
        using var store = Open();
        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "t", "d1", [1, 0, 0])]);

        await store.DeleteSetAsync("s");

        Assert.Empty(await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s")));
        Assert.Single(await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("t")));
    }

    [Fact]
    public async Task SearchAsync_Filters_KeepSetDocumentsAndTags()
    {
        using var store = Open();
        await store.UpsertAsync(
        [
            Chunk("a", "s", "d1", [1, 0, 0], tags: ["x", "y"]),
            Chunk("b", "s", "d2", [1, 0.1f, 0], tags: ["x"]),
            Chunk("c", "t", "d1", [1, 0, 0], tags: ["x", "y"]),
            Chunk("d", "s", "d3", [1, 0.2f, 0]),
        ]);
        float[] query = [1, 0, 0];

        var bySet = await store.SearchAsync(query, 10, new SearchFilter("s"));
        var byDocument = await store.SearchAsync(query, 10, new SearchFilter("s") { DocumentIds = ["d2", "d3"] });
        var byTags = await store.SearchAsync(query, 10, new SearchFilter("s") { Tags = ["x", "y"] });
        var byUnknownTag = await store.SearchAsync(query, 10, new SearchFilter("s") { Tags = ["nope"] });

        Assert.Equal(["a", "b", "d"], bySet.Select(h => h.Chunk.Id.Name()));
        Assert.Equal(["b", "d"], byDocument.Select(h => h.Chunk.Id.Name()));
        Assert.Equal(["a"], byTags.Select(h => h.Chunk.Id.Name()));
        Assert.Equal(["x", "y"], byTags[0].Chunk.Tags);
        Assert.Empty(byUnknownTag);
    }

    [Fact]
    public async Task Open_SameDirectoryAfterDispose_KeepsEverything()
    {
        using (var first = Open())
        {
            await first.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0], tags: ["x"]), Chunk("b", "s", "d2", [0, 1, 0])]);
            await first.DeleteDocumentAsync("s", "d2");
        }

        using var reopened = Open();

        var hits = await reopened.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s") { Tags = ["x"] });
        Assert.Equal(1, reopened.Count("s"));
        Assert.Equal("a", Assert.Single(hits).Chunk.Id.Name());
    }

    [Fact]
    public async Task SearchAsync_ApproximateIndex_RecallAtLeast95PercentOfExact()
    {
        var vectors = ClusteredVectors.Generate(3200, 384, 40, seed: 7);
        var options = new EmbeddedVectorStoreOptions { AnnThreshold = 1000 };
        using (var store = Open(options))
        {
            await store.UpsertAsync(vectors[..3000].Select((v, i) => Chunk($"c{i}", "s", $"d{i % 30}", v)).ToList());
        }

        // Reopened: the index comes back from its file.
        using var approximate = Open(options);
        using var exact = Open(options with { AnnThreshold = int.MaxValue });
        var found = 0.0;
        var queries = vectors[3000..];
        foreach (var query in queries)
        {
            var annHits = await approximate.SearchAsync(query, 10, new SearchFilter("s"));
            var exactHits = await exact.SearchAsync(query, 10, new SearchFilter("s"));
            found += annHits.Select(h => h.Chunk.Id.Name()).Intersect(exactHits.Select(h => h.Chunk.Id.Name())).Count() / 10.0;
        }

        Assert.True(approximate.UsesApproximateIndex("s"));
        Assert.True(found / queries.Length >= 0.95, $"recall@10 {found / queries.Length}");
    }

    [Fact]
    public async Task SearchAsync_ApproximateIndexWithNarrowFilter_MatchesExact()
    {
        var vectors = ClusteredVectors.Generate(2000, 384, 20, seed: 3);
        using var store = Open(new EmbeddedVectorStoreOptions { AnnThreshold = 500 });
        await store.UpsertAsync(vectors.Select((v, i) => Chunk($"c{i}", "s", $"d{i % 100}", v)).ToList());
        await store.DeleteDocumentAsync("s", "d5");
        var filter = new SearchFilter("s") { DocumentIds = ["d7"] };

        var hits = await store.SearchAsync(vectors[7], 30, filter);

        Assert.Equal(20, hits.Count);
        Assert.All(hits, h => Assert.Equal("d7", h.Chunk.DocumentId));
        Assert.Equal("c7", hits[0].Chunk.Id.Name());
    }

    [Fact]
    public async Task SearchAsync_DuringUpserts_NeverThrows()
    {
        var vectors = ClusteredVectors.Generate(4000, 64, 10, seed: 5);
        using var store = Open(new EmbeddedVectorStoreOptions { AnnThreshold = 1500 });
        await store.UpsertAsync(vectors[..200].Select((v, i) => Chunk($"c{i}", "s", "d", v)).ToList());

        var writer = Task.Run(async () =>
        {
            for (var start = 200; start < vectors.Length; start += 200)
            {
                await store.UpsertAsync(vectors[start..(start + 200)].Select((v, i) => Chunk($"c{start + i}", "s", $"d{i % 3}", v)).ToList());
                await store.DeleteDocumentAsync("s", "d2");
            }
        });
        var readers = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var searches = 0;
            while (!writer.IsCompleted || searches < 10)
            {
                var hits = await store.SearchAsync(vectors[searches % 200], 5, new SearchFilter("s"));
                Assert.NotEmpty(hits);
                searches++;
            }
        })).ToArray();

        await Task.WhenAll([writer, .. readers]);
        Assert.True(store.Count("s") > 200);
    }

    [Fact]
    public async Task SearchAsync_UpsertThroughOtherStore_FindsNewChunks()
    {
        using var writer = Open();
        using var reader = Open();
        await writer.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0])]);
        Assert.Equal(["a"], (await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s"))).Select(h => h.Chunk.Id.Name()));

        await writer.UpsertAsync([Chunk("b", "s", "d2", [0, 1, 0]), Chunk("a", "s", "d1", [0, 0, 1], text: "new text")]);

        var hits = await reader.SearchAsync(new float[] { 0, 1, 0 }, 5, new SearchFilter("s"));
        Assert.Equal(["b", "a"], hits.Select(h => h.Chunk.Id.Name()));
        Assert.Equal(2, reader.Count("s"));
        Assert.Equal("new text", (await reader.SearchAsync(new float[] { 0, 0, 1 }, 1, new SearchFilter("s")))[0].Chunk.Text);
    }

    [Fact]
    public async Task SearchAsync_DeletesThroughOtherStore_Disappear()
    {
        using var writer = Open();
        await writer.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "s", "d2", [0.9f, 0.1f, 0]), Chunk("c", "t", "d1", [1, 0, 0])]);
        using var reader = Open();

        await writer.DeleteDocumentAsync("s", "d1");
        await writer.DeleteSetAsync("t");

        Assert.Equal(["b"], (await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s"))).Select(h => h.Chunk.Id.Name()));
        Assert.Empty(await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("t")));
        Assert.Equal(0, reader.Count("t"));
        Assert.DoesNotContain("t", reader.Sets);
    }

    [Fact]
    public async Task SearchAsync_SetCreatedThroughOtherStore_IsSearchable()
    {
        using var writer = Open();
        using var reader = Open();
        Assert.Empty(await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("new")));

        await writer.UpsertAsync([Chunk("a", "new", "d1", [1, 0, 0], tags: ["x"])]);

        var hits = await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("new") { Tags = ["x"] });
        Assert.Equal("a", Assert.Single(hits).Chunk.Id.Name());
        Assert.Contains("new", reader.Sets);
    }

    [Fact]
    public async Task SearchAsync_SetDeletedAndRecreatedThroughOtherStore_SeesNewContents()
    {
        using var writer = Open();
        await writer.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0])]);
        using var reader = Open();

        // Same number of writes after the delete as before it: generations must not repeat.
        await writer.DeleteSetAsync("s");
        await writer.UpsertAsync([Chunk("b", "s", "d1", [1, 0, 0])]);

        Assert.Equal(["b"], (await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s"))).Select(h => h.Chunk.Id.Name()));
    }

    [Fact]
    public async Task UpsertAsync_ChunkMovedThroughOtherStore_LeavesOldSetThere()
    {
        using var writer = Open();
        using var reader = Open();
        await reader.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0])]);

        // The writer has never read set s, yet its move must still reach the reader's copy of s.
        await writer.UpsertAsync([Chunk("a", "t", "d1", [1, 0, 0])]);

        Assert.Empty(await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s")));
        Assert.Equal("a", Assert.Single(await reader.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("t"))).Chunk.Id.Name());
    }

    [Fact]
    public async Task UpsertAsync_AfterOtherStoreWrote_KeepsBothWrites()
    {
        using var first = Open();
        using var second = Open();
        await first.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0])]);
        await second.UpsertAsync([Chunk("b", "s", "d1", [0, 1, 0])]);

        // The second store wrote without having read the first one's chunk; its copy of s must have both.
        var reloads = second.Reloads;
        Assert.Equal(2, second.Count("s"));
        Assert.Equal(reloads, second.Reloads);
    }

    [Fact]
    public async Task SearchAsync_AfterOwnWrites_DoesNotReload()
    {
        using var other = Open();
        using var store = Open();
        var reloads = store.Reloads;

        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0]), Chunk("b", "s", "d2", [0, 1, 0])]);
        await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("s"));
        await store.UpsertAsync([Chunk("a", "s", "d1", [0, 0, 1])]);
        await store.DeleteDocumentAsync("s", "d2");
        await store.DeleteDocumentAsync("unknown", "d1");
        await store.DeleteSetAsync("gone");
        var hits = await store.SearchAsync(new float[] { 0, 0, 1 }, 5, new SearchFilter("s"));
        Assert.Empty(await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("unknown")));
        Assert.Empty(await store.SearchAsync(new float[] { 1, 0, 0 }, 5, new SearchFilter("gone")));
        Assert.Equal(1, store.Count("s"));
        Assert.Equal(reloads, store.Reloads);
        Assert.Equal("a", Assert.Single(hits).Chunk.Id.Name());

        // Another store's write is a reason to reload, once.
        await other.UpsertAsync([Chunk("c", "s", "d3", [1, 0, 0])]);
        Assert.Equal(2, store.Count("s"));
        Assert.Equal(2, store.Count("s"));
        Assert.Equal(reloads + 1, store.Reloads);
    }

    [Fact]
    public async Task SearchAsync_ApproximateIndexChangedThroughOtherStore_ReusesIndexFile()
    {
        var vectors = ClusteredVectors.Generate(1300, 64, 10, seed: 11);
        var options = new EmbeddedVectorStoreOptions { AnnThreshold = 1000 };
        using var writer = Open(options);
        using var reader = Open(options);

        await writer.UpsertAsync(vectors[..1200].Select((v, i) => Chunk($"c{i}", "s", $"d{i % 10}", v)).ToList());
        var indexFile = Assert.Single(Directory.GetFiles(_directory, "*.ivf"));
        var written = File.GetLastWriteTimeUtc(indexFile);

        var hits = await reader.SearchAsync(vectors[5], 5, new SearchFilter("s"));

        Assert.True(reader.UsesApproximateIndex("s"));
        Assert.Equal("c5", hits[0].Chunk.Id.Name());
        Assert.Equal(written, File.GetLastWriteTimeUtc(indexFile));

        // A delete does not rewrite the file, so the reader's reload retrains, as opening would.
        await writer.DeleteDocumentAsync("s", "d5");
        hits = await reader.SearchAsync(vectors[6], 5, new SearchFilter("s"));
        Assert.True(reader.UsesApproximateIndex("s"));
        Assert.Equal("c6", hits[0].Chunk.Id.Name());
        Assert.Equal(1080, reader.Count("s"));
    }

    [Fact]
    public async Task SearchAsync_WhileOtherStoreWrites_NeverThrows()
    {
        var vectors = ClusteredVectors.Generate(3000, 64, 10, seed: 13);
        var options = new EmbeddedVectorStoreOptions { AnnThreshold = 1000 };
        using var writer = Open(options);
        using var reader = Open(options);
        await writer.UpsertAsync(vectors[..200].Select((v, i) => Chunk($"c{i}", "s", "d", v)).ToList());

        // Loaded first: a search that finds a reload under way searches the copy it has, and here that must not be none.
        Assert.Equal(200, reader.Count("s"));
        var writing = Task.Run(async () =>
        {
            for (var start = 200; start < vectors.Length; start += 200)
            {
                await writer.UpsertAsync(vectors[start..(start + 200)].Select((v, i) => Chunk($"c{start + i}", "s", $"d{i % 3}", v)).ToList());
                await writer.DeleteDocumentAsync("s", "d2");
            }
        });
        var searching = Enumerable.Range(0, 2).Select(r => Task.Run(async () =>
        {
            var searches = 0;
            while (!writing.IsCompleted || searches < 10)
            {
                Assert.NotEmpty(await reader.SearchAsync(vectors[searches % 200], 5, new SearchFilter("s")));
                searches++;
            }
        })).ToArray();

        await Task.WhenAll([writing, .. searching]);
        Assert.Equal(writer.Count("s"), reader.Count("s"));
    }

    [Fact]
    public async Task UpsertAsync_WrongDimensions_Throws()
    {
        using var store = Open();
        await store.UpsertAsync([Chunk("a", "s", "d1", [1, 0, 0])]);

        await Assert.ThrowsAsync<ArgumentException>(() => store.UpsertAsync([Chunk("b", "s", "d1", [1, 0])]));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private EmbeddedVectorStore Open(EmbeddedVectorStoreOptions? options = null) => new(_directory, options);

    private static ChunkVector Chunk(string id, string set, string document, float[] vector, string? text = null, string[]? tags = null) =>
        new(new ChunkRecord(TestChunkIds.Of(id), set, document, $"doc-{document}.txt", 0, 1, 1, text ?? $"text of {id}", tags ?? []), vector);
}
