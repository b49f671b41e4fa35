namespace QwenRag.Retrieval.Tests;

/// <summary>The test id helper keeps names distinct, ordered and recoverable, which the "by id" tie tests rely on.</summary>
public sealed class TestChunkIdsTests
{
    [Fact]
    public void Of_Names_RoundTripAndSortAsTheNamesDo()
    {
        string[] names = ["a", "ab", "b", "c10", "c9", "k1", "z", "0123456789abcdef"];

        var ids = names.Select(TestChunkIds.Of).ToList();

        Assert.Equal(names, ids.Select(TestChunkIds.NameOf));
        Assert.Equal(names.Length, ids.Distinct().Count());
        Assert.Equal(
            names.Order(StringComparer.Ordinal),
            ids.OrderBy(id => id.ToString(), StringComparer.Ordinal).Select(id => id.Name()));
        Assert.StartsWith("61000000-", TestChunkIds.Of("a").ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("seventeen-chars-x")]
    [InlineData("café")]
    public void Of_UnfitName_Throws(string name) => Assert.ThrowsAny<ArgumentException>(() => TestChunkIds.Of(name));
}
