using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary><see cref="QwenOnnxModel.ArgMax"/>, which greedy decoding (<c>TokenGeneratorTests</c>) is built on.</summary>
public sealed class GreedyDecodeTests
{
    [Fact]
    public void ArgMaxTakesTheFirstLargest() => Assert.Equal(1, QwenOnnxModel.ArgMax([0f, 3f, 3f, -1f]));
}
