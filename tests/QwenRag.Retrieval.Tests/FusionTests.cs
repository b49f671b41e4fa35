using QwenRag.Core;
using QwenRag.Retrieval.Fusion;

namespace QwenRag.Retrieval.Tests;

public sealed class FusionTests
{
    private const double Tolerance = 1e-12;

    [Fact]
    public void Fuse_ChunkInBothLists_OutranksChunksInOne()
    {
        // dense: a, b, c   keyword: d, b, e
        IReadOnlyList<ScoredChunk> dense = [Hit("a"), Hit("b"), Hit("c")];
        IReadOnlyList<ScoredChunk> keyword = [Hit("d"), Hit("b"), Hit("e")];

        var fused = ReciprocalRankFusion.Fuse([dense, keyword]);

        // b: 1/62 + 1/62; a and d: 1/61 (tie, both best rank 1, so by id); c and e: 1/63.
        Assert.Equal(["b", "a", "d", "c", "e"], fused.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal((1.0 / 62) + (1.0 / 62), fused[0].Score, Tolerance);
        Assert.Equal(1.0 / 61, fused[1].Score, Tolerance);
        Assert.Equal(1.0 / 63, fused[4].Score, Tolerance);
    }

    [Fact]
    public void Fuse_Weights_ScaleEachListsContribution()
    {
        IReadOnlyList<ScoredChunk> dense = [Hit("a"), Hit("b")];
        IReadOnlyList<ScoredChunk> keyword = [Hit("b"), Hit("a")];

        var fused = ReciprocalRankFusion.Fuse([dense, keyword], k: 60, weights: [1.0, 2.0]);

        // a: 1/61 + 2/62 = 0.048517...; b: 1/62 + 2/61 = 0.048916... -> b first.
        Assert.Equal(["b", "a"], fused.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal((1.0 / 62) + (2.0 / 61), fused[0].Score, Tolerance);
        Assert.Equal((1.0 / 61) + (2.0 / 62), fused[1].Score, Tolerance);
    }

    [Fact]
    public void Fuse_ZeroWeight_IgnoresListForScoreButKeepsItsChunks()
    {
        var fused = ReciprocalRankFusion.Fuse([[Hit("a")], [Hit("b")]], weights: [1.0, 0.0]);

        Assert.Equal(["a", "b"], fused.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(0.0, fused[1].Score);
    }

    [Fact]
    public void Fuse_SmallK_FavoursTopRanksMore()
    {
        // a is first in one list; b is second in both.
        IReadOnlyList<ScoredChunk> one = [Hit("a"), Hit("b")];
        IReadOnlyList<ScoredChunk> two = [Hit("c"), Hit("b")];

        var smallK = ReciprocalRankFusion.Fuse([one, two], k: 0);
        var largeK = ReciprocalRankFusion.Fuse([one, two], k: 60);

        // k = 0: a = 1/1 = 1, b = 1/2 + 1/2 = 1: tie broken by best rank (a: 1, b: 2).
        Assert.Equal(["a", "c", "b"], smallK.Select(hit => hit.Chunk.Id.Name()));
        Assert.Equal(1.0, smallK[2].Score, Tolerance);
        // k = 60: b = 2/62 > a = 1/61.
        Assert.Equal("b", largeK[0].Chunk.Id.Name());
    }

    [Fact]
    public void Fuse_DuplicateInOneList_CountsBestRankOnce()
    {
        var fused = ReciprocalRankFusion.Fuse([[Hit("a"), Hit("b"), Hit("a")]], k: 10);

        Assert.Equal(1.0 / 11, fused.Single(hit => hit.Chunk.Id.Name() == "a").Score, Tolerance);
        Assert.Equal(1.0 / 12, fused.Single(hit => hit.Chunk.Id.Name() == "b").Score, Tolerance);
    }

    [Fact]
    public void Fuse_Ties_AreOrderedDeterministically()
    {
        IReadOnlyList<ScoredChunk> one = [Hit("z"), Hit("y")];
        IReadOnlyList<ScoredChunk> two = [Hit("x"), Hit("w")];

        var forward = ReciprocalRankFusion.Fuse([one, two]).Select(hit => hit.Chunk.Id.Name()).ToList();
        var backward = ReciprocalRankFusion.Fuse([two, one]).Select(hit => hit.Chunk.Id.Name()).ToList();

        Assert.Equal(["x", "z", "w", "y"], forward);
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void Fuse_NoLists_ReturnsEmpty()
    {
        Assert.Empty(ReciprocalRankFusion.Fuse([]));
        Assert.Empty(ReciprocalRankFusion.Fuse([[], []]));
    }

    [Fact]
    public void Fuse_InvalidArguments_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ReciprocalRankFusion.Fuse([[Hit("a")]], k: -1));
        Assert.Throws<ArgumentException>(() => ReciprocalRankFusion.Fuse([[Hit("a")]], weights: [1.0, 1.0]));
        Assert.Throws<ArgumentException>(() => ReciprocalRankFusion.Fuse([[Hit("a")]], weights: [-1.0]));
        Assert.Throws<ArgumentException>(() => ReciprocalRankFusion.Fuse([[Hit("a")]], weights: [double.NaN]));
    }

    private static ScoredChunk Hit(string id, double score = 0.5) =>
        new(new ChunkRecord(TestChunkIds.Of(id), "docs", "doc", "doc.pdf", 0, 1, 1, "text " + id, []), score);
}
