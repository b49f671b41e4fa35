using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary>
/// A cache's buffers come from its model's allocator, so the model keeps its native resources until the last cache is
/// disposed; disposing the model first refuses new work clearly instead of freeing memory still in use.
/// </summary>
public sealed class KvCacheLifetimeTests
{
    [Fact]
    public void Dispose_ModelWithALiveCache_DefersTheReleaseUntilTheCacheIsDisposed()
    {
        var options = ModelFixture.Small with { Seed = 21 };
        using var fixture = ModelFixture.Create(options);
        using var model = new QwenOnnxModel(fixture.ModelDirectory);
        var cache = model.CreateCache(8);
        model.Append(cache, [1, 2, 3]);

        model.Dispose();

        Assert.False(model.IsReleased);
        Assert.Equal(1, model.LiveCaches);
        Assert.Throws<ObjectDisposedException>(() => model.Append(cache, [4]));
        Assert.Throws<ObjectDisposedException>(() => model.CreateCache(8));
        Assert.Equal(3, cache.Length); // the refused pass left the cache as it was

        cache.Dispose();

        Assert.True(model.IsReleased);
        Assert.Equal(0, model.LiveCaches);
        cache.Dispose(); // twice is harmless and does not release again
        model.Dispose();
        Assert.Equal(0, model.LiveCaches);
    }

    [Fact]
    public void Dispose_ModelWithoutCaches_ReleasesAtOnce()
    {
        using var fixture = ModelFixture.Create(ModelFixture.Small with { Seed = 22 });
        var model = new QwenOnnxModel(fixture.ModelDirectory);
        using (model.CreateCache(4))
        {
            Assert.Equal(1, model.LiveCaches);
        }

        model.Dispose();

        Assert.True(model.IsReleased);
    }

    [Fact]
    public void Dispose_OneOfTwoCachesAfterTheModel_KeepsTheOtherUsableUntilItGoes()
    {
        using var fixture = ModelFixture.Create(ModelFixture.Small with { Seed = 23 });
        var model = new QwenOnnxModel(fixture.ModelDirectory);
        var first = model.CreateCache(4);
        var second = model.CreateCache(4);
        model.Dispose();

        first.Dispose();
        Assert.False(model.IsReleased);
        second.Dispose();

        Assert.True(model.IsReleased);
    }

    [Fact]
    public void Clear_AfterAGeneration_TheCacheServesTheNextOneLikeAFreshCache()
    {
        var options = ModelFixture.Small with { Seed = 24 };
        using var fixture = ModelFixture.Create(options);
        var tokens = ModelFixture.Tokens(6, options.Vocab, 3);
        using var cache = fixture.Model.CreateCache(tokens.Length);
        var first = fixture.Model.Score(cache, tokens);

        cache.Clear();

        Assert.Equal(0, cache.Length);
        LogitAssert.Close(first, fixture.Model.Score(cache, tokens), 0, "the same tokens after Clear");
        Assert.Equal(tokens.Length, cache.Length);
    }

    [Fact]
    public void Score_EveryPosition_LastRowIsWhatAppendReturns()
    {
        var options = ModelFixture.Small with { Seed = 25 };
        using var fixture = ModelFixture.Create(options);
        var tokens = ModelFixture.Tokens(5, options.Vocab, 9);
        using var scored = fixture.Model.CreateCache(tokens.Length);
        using var appended = fixture.Model.CreateCache(tokens.Length);

        var rows = fixture.Model.Score(scored, tokens);

        Assert.Equal(tokens.Length, rows.Length);
        Assert.All(rows, row => Assert.Equal(fixture.Model.VocabSize, row.Length));
        LogitAssert.Close([rows[^1]], [fixture.Model.Append(appended, tokens)], 0, "last row against Append");
        LogitAssert.Close(fixture.Reference(tokens), rows, 1e-4, "against the reference");
    }
}
