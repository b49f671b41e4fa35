using QwenRag.Generation.Checkpoints;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>ONNX fp32 logits against the independent plain-loop reference (Hugging Face's forward pass).</summary>
public sealed class ModelLogitsTests(ITestOutputHelper output)
{
    private const double Fp32Tolerance = 1e-4;

    private static TinyCheckpointOptions Base(QwenArchitecture architecture = QwenArchitecture.Qwen2) =>
        ModelFixture.Small with { Architecture = architecture, Seed = 7 };

    private void FullAndCached(TinyCheckpointOptions options, int length, int prefill, string what) =>
        output.WriteLine(LogitAssert.FullAndCachedFollowTheReference(options, length, prefill, Fp32Tolerance, what));

    [Fact]
    public void Qwen2WithBias() => FullAndCached(Base(), 24, 9, "qwen2");

    [Fact]
    public void Qwen3WithQkNorm() => FullAndCached(Base(QwenArchitecture.Qwen3), 24, 5, "qwen3");

    [Fact]
    public void Qwen3WithAttentionBiasOnAllProjections()
        => FullAndCached(Base(QwenArchitecture.Qwen3) with { AttentionBias = true }, 16, 4, "qwen3 attention_bias");

    [Fact]
    public void Qwen3WithHeadDim48() => FullAndCached(Base(QwenArchitecture.Qwen3) with { HeadDim = 48 }, 20, 6, "qwen3 head_dim 48");

    [Theory]
    [InlineData(24)]
    [InlineData(40)]
    public static void HeadDimNotMultipleOf16IsRefused(int headDim)
    {
        // GroupQueryAttention's rotary (CPU and CUDA alike in ONNX Runtime 1.31) needs head_size % 16 == 0.
        var exception = Assert.Throws<ArgumentException>(
            () => ModelFixture.Create(Base(QwenArchitecture.Qwen3) with { HeadDim = headDim }).Dispose());
        Assert.Contains("multiple of 16", exception.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(4, 4, 16)]
    [InlineData(4, 2, 16)]
    [InlineData(8, 2, 16)]
    [InlineData(7, 1, 16)]
    public void HeadGroups(int heads, int kvHeads, int headDim)
        => FullAndCached(Base() with { Heads = heads, KvHeads = kvHeads, HeadDim = headDim }, 18, 4, $"heads {heads}, kv {kvHeads}");

    [Fact]
    public void Tied() => FullAndCached(Base() with { Tied = true }, 16, 3, "tied");

    [Fact]
    public void Untied() => FullAndCached(Base() with { Tied = false }, 16, 3, "untied");

    [Fact]
    public void LinearRope()
        => FullAndCached(Base() with { RopeScaling = RopeScaling.None with { Type = RopeType.Linear, Factor = 2.5 } }, 30, 10, "linear");

    [Fact]
    public void YarnRope()
        => FullAndCached(
            Base(QwenArchitecture.Qwen3) with
            {
                MaxPositions = 16,
                RopeScaling = RopeScaling.None with { Type = RopeType.Yarn, Factor = 4, OriginalMaxPositionEmbeddings = 16 },
            },
            40,
            12,
            "yarn");

    [Fact]
    public void DynamicRopeBeyondMaxPositions()
    {
        // Dynamic NTK depends on the total length: the runtime feeds cos/sin per step. A one-pass run of 40
        // tokens over max_position_embeddings 16 rescales the base exactly like transformers.
        var options = Base() with { MaxPositions = 16, RopeScaling = RopeScaling.None with { Type = RopeType.Dynamic, Factor = 2 } };
        using var fixture = ModelFixture.Create(options);
        Assert.True(fixture.Build.RopeTablesAreInputs);
        Assert.True(fixture.Model.SuppliesRopeTables);
        var tokens = ModelFixture.Tokens(40, options.Vocab, 3);
        LogitAssert.Close(fixture.Reference(tokens), fixture.Model.Logits(tokens), Fp32Tolerance, "dynamic, 40 tokens");

        // Within max_position_embeddings nothing is rescaled, so cached decoding equals the full pass.
        var shortTokens = ModelFixture.Tokens(16, options.Vocab, 4);
        var expected = fixture.Reference(shortTokens);
        LogitAssert.Close(expected, fixture.Model.Logits(shortTokens, 5), Fp32Tolerance, "dynamic, 16 tokens cached");
    }

    [Fact]
    public void SlidingWindowOnSomeLayers()
        => FullAndCached(Base() with { Layers = 3, SlidingWindow = 6, MaxWindowLayers = 1 }, 30, 4, "sliding window 6 on layers >= 1");

    [Fact]
    public void SlidingWindowQwen3AllLayers()
        => FullAndCached(Base(QwenArchitecture.Qwen3) with { SlidingWindow = 5, MaxWindowLayers = 0 }, 24, 11, "qwen3 sliding window 5");

    [Fact]
    public void CachedDecodingFromOneToken() => FullAndCached(Base(QwenArchitecture.Qwen3), 12, 1, "prefill 1");
}
