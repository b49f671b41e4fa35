using QwenRag.Core;
using QwenRag.Retrieval.Fusion;
using static QwenRag.Retrieval.Tests.KeywordTestDatabase;

namespace QwenRag.Retrieval.Tests;

/// <summary>The embedded index's fusion settings and its in-process RRF over a list vector store and the real keyword index.</summary>
public sealed class EmbeddedIndexTests : IDisposable
{
    private static readonly SearchFilter Docs = new("docs");

    private readonly KeywordTestDatabase _database = new();
    private readonly ListVectorStore _vectors = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public void FusionOptions_Defaults_ArePlainRrf()
    {
        var options = new FusionOptions();

        Assert.Equal(ReciprocalRankFusion.DefaultK, options.RrfK);
        Assert.Equal(1.0, options.DenseWeight);
        Assert.Equal(1.0, options.KeywordWeight);
        Assert.Same(options, options.ThrowIfInvalid());
    }

    [Theory]
    [InlineData(-1, 1.0, 1.0)]
    [InlineData(60, -1.0, 1.0)]
    [InlineData(60, 1.0, -0.5)]
    [InlineData(60, double.NaN, 1.0)]
    [InlineData(60, 1.0, double.PositiveInfinity)]
    public void Constructor_InvalidFusionOptions_Throws(int rrfK, double denseWeight, double keywordWeight)
    {
        var options = new FusionOptions { RrfK = rrfK, DenseWeight = denseWeight, KeywordWeight = keywordWeight };

        Assert.ThrowsAny<ArgumentException>(() => options.ThrowIfInvalid());
        Assert.ThrowsAny<ArgumentException>(() => new EmbeddedIndex(_vectors, _database.OpenIndex(), options));
    }

    [Fact]
    public void Constructor_ZeroKAndZeroWeights_AreAccepted()
    {
        var options = new FusionOptions { RrfK = 0, DenseWeight = 0, KeywordWeight = 0 };

        _ = new EmbeddedIndex(_vectors, _database.OpenIndex(), options);

        Assert.Same(options, options.ThrowIfInvalid());
    }

    [Fact]
    public async Task SearchHybridAsync_UsesRrfKAndWeights()
    {
        // Dense order: a, b (a is the query's vector). Keyword order: b only ("governor").
        var index = new EmbeddedIndex(
            _vectors, _database.OpenIndex(), new FusionOptions { RrfK = 10, DenseWeight = 1, KeywordWeight = 3 });
        await index.UpsertAsync(
        [
            new ChunkVector(Chunk("a", "nothing relevant here"), new float[] { 1, 0 }),
            new ChunkVector(Chunk("b", "the frequency governor"), new float[] { 0.6f, 0.8f }),
        ]);

        var hits = await index.SearchHybridAsync(new HybridQuery("governor", new float[] { 1, 0 }, 2, 10), Docs);

        Assert.Equal(["b", "a"], hits.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal((1.0 / 12) + (3.0 / 11), hits[0].Score, 1e-12);
        Assert.Equal(1.0 / 11, hits[1].Score, 1e-12);
    }

    [Fact]
    public async Task SearchHybridAsync_Top_CutsTheFusedList()
    {
        var index = new EmbeddedIndex(_vectors, _database.OpenIndex());
        var chunks = Enumerable.Range(0, 8)
            .Select(i => new ChunkVector(Chunk($"c{i}", $"shared words {i}"), new float[] { 8 - i, 1 }))
            .ToList();
        await index.UpsertAsync(chunks);

        var all = await index.SearchHybridAsync(new HybridQuery("shared", new float[] { 1, 0 }, 8, 8), Docs);
        var hits = await index.SearchHybridAsync(new HybridQuery("shared", new float[] { 1, 0 }, 3, 8), Docs);

        Assert.Equal(8, all.Count);
        Assert.Equal(all.Take(3), hits);
    }

    [Fact]
    public async Task Writes_ReachBothIndexes()
    {
        var keywords = _database.OpenIndex();
        var index = new EmbeddedIndex(_vectors, keywords);
        await index.UpsertAsync(
        [
            new ChunkVector(Chunk("a", "alpha words", document: "d1"), new float[] { 1, 0 }),
            new ChunkVector(Chunk("b", "alpha words", document: "d2"), new float[] { 0, 1 }),
            new ChunkVector(Chunk("o", "alpha words", set: "other"), new float[] { 1, 0 }),
        ]);

        await index.DeleteDocumentAsync("docs", "d1");

        Assert.Equal(["b"], (await keywords.SearchAsync("alpha", 10, Docs)).Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(["b"], (await _vectors.SearchAsync(new float[] { 1, 0 }, 10, Docs)).Select(hit => hit.Chunk.Id.Name()));

        await index.DeleteSetAsync("other");

        Assert.Empty(await keywords.SearchAsync("alpha", 10, new SearchFilter("other")));
        Assert.Empty(await _vectors.SearchAsync(new float[] { 1, 0 }, 10, new SearchFilter("other")));
    }
}
