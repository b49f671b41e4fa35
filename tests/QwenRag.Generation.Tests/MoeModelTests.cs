using QwenRag.Generation.Checkpoints;
using Xunit.Abstractions;

namespace QwenRag.Generation.Tests;

/// <summary>Qwen2-MoE and Qwen3-MoE graphs (com.microsoft MoE) against the plain-loop reference, fp32, one pass and KV-cached.</summary>
public sealed class MoeModelTests(ITestOutputHelper output)
{
    private const double Fp32Tolerance = 1e-4;

    internal static TinyCheckpointOptions Moe(QwenArchitecture architecture, int experts = 8, int topK = 2) =>
        ModelFixture.Small with
        {
            Architecture = architecture,
            Seed = 11,
            Layers = 3,
            Experts = experts,
            ExpertsPerToken = topK,
            MoeIntermediate = 32,
            SharedExpertIntermediate = 48,
            // Weights a little larger than the dense tests' so that router logits spread and top-k choices are not near-ties.
            Scale = 0.08f,
        };

    private void FullAndCached(TinyCheckpointOptions options, int length, int prefill, string what) =>
        output.WriteLine(LogitAssert.FullAndCachedFollowTheReference(options, length, prefill, Fp32Tolerance, what));

    [Theory]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, true)]
    [InlineData(4, false)]
    public void Qwen3MoeTopK(int topK, bool normTopKProb)
        => FullAndCached(Moe(QwenArchitecture.Qwen3, topK: topK) with { NormTopKProb = normTopKProb }, 20, 7, $"qwen3-moe top {topK} norm {normTopKProb}");

    [Theory]
    [InlineData(1, true)]
    [InlineData(2, false)]
    [InlineData(4, true)]
    public void Qwen2MoeWithSharedExpert(int topK, bool normTopKProb)
        => FullAndCached(Moe(QwenArchitecture.Qwen2, topK: topK) with { NormTopKProb = normTopKProb }, 20, 6, $"qwen2-moe top {topK} norm {normTopKProb}");

    [Fact]
    public void MlpOnlyLayersAndSparseStep()
        => FullAndCached(
            Moe(QwenArchitecture.Qwen3) with { Layers = 5, MlpOnlyLayers = [3], DecoderSparseStep = 2 },
            18,
            5,
            "qwen3-moe mlp_only_layers [3], decoder_sparse_step 2");

    [Fact]
    public void Qwen2MoeSparseStep3WithDenseLayers()
        => FullAndCached(Moe(QwenArchitecture.Qwen2) with { Layers = 4, DecoderSparseStep = 3, MlpOnlyLayers = [0] }, 16, 4, "qwen2-moe step 3");

    [Fact]
    public void SlidingWindow()
        => FullAndCached(Moe(QwenArchitecture.Qwen2) with { SlidingWindow = 6, MaxWindowLayers = 1 }, 24, 9, "qwen2-moe sliding window 6");

    [Fact]
    public void ShardedBf16Checkpoint()
        => FullAndCached(Moe(QwenArchitecture.Qwen2) with { Shards = 3, Dtype = TensorDtype.BF16 }, 14, 4, "qwen2-moe bf16 in 3 shards");

    [Fact]
    public void YarnRope()
        => FullAndCached(
            Moe(QwenArchitecture.Qwen3) with
            {
                MaxPositions = 16,
                RopeScaling = RopeScaling.None with { Type = RopeType.Yarn, Factor = 4, OriginalMaxPositionEmbeddings = 16 },
            },
            36,
            10,
            "qwen3-moe yarn");

    [Fact]
    public void FusedExpertLayout()
        => FullAndCached(Moe(QwenArchitecture.Qwen3, topK: 3) with { FusedExperts = true, NormTopKProb = true }, 16, 5, "qwen3-moe fused experts");

    [Fact]
    public void RoutingChoicesMoveTheLogitsFarBeyondTheTolerance()
    {
        // The 1e-4 agreement above means something only if routing matters that much: the reference's logits with
        // norm_topk_prob flipped, or with one expert fewer per token, differ by far more.
        using var fixture = ModelFixture.Create(Moe(QwenArchitecture.Qwen3, topK: 2));
        var tokens = ModelFixture.Tokens(12, fixture.Checkpoint.Config.VocabSize, 5);
        var config = fixture.Checkpoint.Config;
        float[]? Tensor(string name) => fixture.Checkpoint.Contains(name) ? fixture.Checkpoint.ReadFloat32(name) : null;
        var expected = Reference.QwenReference.Logits(config, Tensor, tokens);
        var normalised = Reference.QwenReference.Logits(config with { Moe = config.Moe! with { NormTopKProb = true } }, Tensor, tokens);
        var topOne = Reference.QwenReference.Logits(config with { Moe = config.Moe! with { TopK = 1 } }, Tensor, tokens);
        output.WriteLine($"norm_topk_prob flipped: {LogitAssert.MaxDifference(expected, normalised):E2}, top 1: {LogitAssert.MaxDifference(expected, topOne):E2}");
        Assert.True(LogitAssert.MaxDifference(expected, normalised) > 100 * Fp32Tolerance);
        Assert.True(LogitAssert.MaxDifference(expected, topOne) > 100 * Fp32Tolerance);
    }

    [Fact]
    public void MoeLayersAreSparseWhereTransformersSaysSo()
    {
        var config = (Moe(QwenArchitecture.Qwen3) with { Layers = 6, MlpOnlyLayers = [3], DecoderSparseStep = 2 }).ToConfig();
        Assert.Equal([false, true, false, false, false, true], Enumerable.Range(0, 6).Select(config.IsSparse));
    }
}
