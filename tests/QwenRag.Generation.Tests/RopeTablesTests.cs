using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Rope;
using QwenRag.Generation.Tests.Reference;

namespace QwenRag.Generation.Tests;

public sealed class RopeTablesTests
{
    internal static QwenConfig Config(int headDim, double theta, RopeScaling scaling, int maxPositions = 4096)
        => new(
            QwenArchitecture.Qwen2,
            HiddenSize: headDim * 2,
            IntermediateSize: headDim * 4,
            NumLayers: 1,
            NumHeads: 2,
            NumKvHeads: 1,
            HeadDim: headDim,
            VocabSize: 16,
            RmsNormEps: 1e-6,
            RopeTheta: theta,
            RopeScaling: scaling,
            MaxPositionEmbeddings: maxPositions,
            TieWordEmbeddings: false,
            AttentionBias: true,
            SlidingLayers: [false],
            SlidingWindow: null,
            BosTokenId: null,
            EosTokenId: null);

    private static RopeScaling Scaling(RopeType type, double factor, int? original = null, bool truncate = true)
        => new(type, factor, original, null, null, null, null, null, truncate);

    private static void Close(double expected, double actual, double relative = 1e-6)
        => Assert.True(
            Math.Abs(expected - actual) <= relative * Math.Abs(expected),
            $"expected {expected:R}, got {actual:R}");

    [Fact]
    public void Default_theta_10000_dim_8_gives_powers_of_ten()
    {
        double[] inverse = RopeTables.InverseFrequencies(Config(8, 10000, RopeScaling.None));

        // 1 / 10000^(2i/8) = 1, 0.1, 0.01, 0.001 (as float32 values).
        Assert.Equal([1.0, 0.1, 0.01, 0.001], inverse.Select(v => Math.Round(v, 7)));
        Assert.Equal(1.0, inverse[0]);
        Assert.Equal((double)0.1f, inverse[1]);
        Assert.Equal(1.0, RopeTables.AttentionScaling(Config(8, 10000, RopeScaling.None)));
    }

    [Fact]
    public void Default_tables_are_cos_and_sin_of_position_times_frequency()
    {
        var config = Config(8, 10000, RopeScaling.None);
        var (cos, sin) = RopeTables.Tables(config, 5);

        Assert.Equal(5 * 4, cos.Length);
        Assert.Equal(5 * 4, sin.Length);
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(1f, cos[i]);
            Assert.Equal(0f, sin[i]);
        }

        // Position 3, frequency 0.1: cos(0.3), sin(0.3); position 4, frequency 1: cos(4).
        Assert.Equal(Math.Cos(0.3), cos[3 * 4 + 1], tolerance: 1e-6);
        Assert.Equal(Math.Sin(0.3), sin[3 * 4 + 1], tolerance: 1e-6);
        Assert.Equal(Math.Cos(4.0), cos[4 * 4], tolerance: 1e-6);
        Assert.Equal(Math.Sin(4.0), sin[4 * 4], tolerance: 1e-6);
    }

    [Fact]
    public void Linear_factor_2_halves_every_frequency()
    {
        double[] plain = RopeTables.InverseFrequencies(Config(64, 1_000_000, RopeScaling.None));
        double[] linear = RopeTables.InverseFrequencies(Config(64, 1_000_000, Scaling(RopeType.Linear, 2)));

        Assert.Equal(32, linear.Length);
        for (int i = 0; i < plain.Length; i++)
        {
            // Dividing a float32 by 2 is exact.
            Assert.Equal(plain[i] / 2, linear[i]);
        }

        Assert.Equal(1.0, RopeTables.AttentionScaling(Config(64, 1_000_000, Scaling(RopeType.Linear, 2))));
    }

    [Fact]
    public void Dynamic_ntk_is_default_up_to_max_positions_and_stretches_the_base_beyond()
    {
        var dynamic = Config(16, 10000, Scaling(RopeType.Dynamic, 2), maxPositions: 128);
        double[] plain = RopeTables.InverseFrequencies(Config(16, 10000, RopeScaling.None, maxPositions: 128));

        Assert.Equal(plain, RopeTables.InverseFrequencies(dynamic));
        Assert.Equal(plain, RopeTables.InverseFrequencies(dynamic, sequenceLength: 100));
        Assert.Equal(plain, RopeTables.InverseFrequencies(dynamic, sequenceLength: 128));

        // seq 256 = 2 × max: base' = 10000 · (2·256/128 − 1)^(16/14) = 10000 · 3^(8/7).
        double[] stretched = RopeTables.InverseFrequencies(dynamic, sequenceLength: 256);
        double expectedBase = 10000 * Math.Pow(3, 16.0 / 14);
        Assert.Equal(1.0, stretched[0]);
        for (int i = 1; i < stretched.Length; i++)
        {
            Assert.True(stretched[i] < plain[i], $"frequency {i} should shrink");
            Close(1 / Math.Pow(expectedBase, 2.0 * i / 16), stretched[i], 1e-5);
        }

        // Tables follow the sequence length too.
        var (cosShort, _) = RopeTables.Tables(dynamic, 200);
        var (cosLong, _) = RopeTables.Tables(dynamic, 200, sequenceLength: 256);
        Assert.NotEqual(cosShort, cosLong);
        Assert.Equal(1.0, RopeTables.AttentionScaling(dynamic));
    }

    [Fact]
    public void Yarn_factor_4_on_qwen_128_dims_matches_the_formula()
    {
        var config = Config(128, 1_000_000, Scaling(RopeType.Yarn, 4, original: 32768), maxPositions: 131072);

        // find_correction_dim(r) = d·ln(L / (2π r)) / (2 ln θ), low from beta_fast 32 (floored), high from beta_slow 1 (ceiled).
        double lowDim = 128 * Math.Log(32768 / (32 * 2 * Math.PI)) / (2 * Math.Log(1e6));
        double highDim = 128 * Math.Log(32768 / (1 * 2 * Math.PI)) / (2 * Math.Log(1e6));
        Assert.Equal(23, Math.Floor(lowDim));
        Assert.Equal(40, Math.Ceiling(highDim));

        var yarn = YarnParameters.From(config);
        Assert.Equal(23, yarn.Low);
        Assert.Equal(40, yarn.High);
        Assert.Equal(32768, yarn.OriginalMaxPositionEmbeddings);
        Assert.Equal(4, yarn.Factor);

        double attention = 0.1 * Math.Log(4) + 1;
        Close(attention, RopeTables.AttentionScaling(config), 1e-15);

        double[] plain = RopeTables.InverseFrequencies(Config(128, 1_000_000, RopeScaling.None));
        double[] inverse = RopeTables.InverseFrequencies(config);
        Assert.Equal(64, inverse.Length);
        for (int i = 0; i < 64; i++)
        {
            double ramp = Math.Clamp((i - 23.0) / (40 - 23), 0, 1);
            double expected = plain[i] / 4 * ramp + plain[i] * (1 - ramp);
            Close(expected, inverse[i], 1e-6);
        }

        // Below the range frequencies are kept (extrapolation), above it divided by the factor (interpolation).
        Assert.Equal(plain[0], inverse[0]);
        Assert.Equal(plain[23], inverse[23]);
        Close(plain[40] / 4, inverse[40], 1e-7);
        Close(plain[63] / 4, inverse[63], 1e-7);

        // cos and sin carry the attention factor.
        var (cos, sin) = RopeTables.Tables(config, 3);
        Assert.Equal((float)attention, cos[0]);
        Assert.Equal(0f, sin[0]);
        Close(Math.Cos(2 * inverse[5]) * attention, cos[2 * 64 + 5], 1e-6);
    }

    [Fact]
    public void Yarn_without_truncation_keeps_the_fractional_range()
    {
        var config = Config(128, 1_000_000, Scaling(RopeType.Yarn, 4, original: 32768, truncate: false));
        var yarn = YarnParameters.From(config);

        Close(128 * Math.Log(32768 / (32 * 2 * Math.PI)) / (2 * Math.Log(1e6)), yarn.Low, 1e-15);
        Close(128 * Math.Log(32768 / (2 * Math.PI)) / (2 * Math.Log(1e6)), yarn.High, 1e-15);

        double[] truncated = RopeTables.InverseFrequencies(Config(128, 1_000_000, Scaling(RopeType.Yarn, 4, original: 32768)));
        double[] fractional = RopeTables.InverseFrequencies(config);
        Assert.NotEqual(truncated[24], fractional[24]);
    }

    [Fact]
    public void Yarn_falls_back_to_max_positions_and_honours_mscale_and_explicit_attention_factor()
    {
        // No original_max_position_embeddings: the config's max_position_embeddings is used.
        var fallback = Config(64, 10000, Scaling(RopeType.Yarn, 2), maxPositions: 2048);
        var explicitOriginal = Config(64, 10000, Scaling(RopeType.Yarn, 2, original: 2048), maxPositions: 8192);
        Assert.Equal(2048, YarnParameters.From(fallback).OriginalMaxPositionEmbeddings);
        Assert.Equal(RopeTables.InverseFrequencies(explicitOriginal), RopeTables.InverseFrequencies(fallback));

        // The explicit factor wins over max_position_embeddings / original (transformers 5 behaviour).
        Assert.Equal(2, YarnParameters.From(explicitOriginal).Factor);

        var mscale = Config(64, 10000, new RopeScaling(RopeType.Yarn, 40, 4096, null, null, null, 1.0, 0.707, true));
        Close((0.1 * Math.Log(40) + 1) / (0.1 * 0.707 * Math.Log(40) + 1), RopeTables.AttentionScaling(mscale), 1e-15);

        var onlyMscale = Config(64, 10000, new RopeScaling(RopeType.Yarn, 40, 4096, null, null, null, 1.0, null, true));
        Close(0.1 * Math.Log(40) + 1, RopeTables.AttentionScaling(onlyMscale), 1e-15);

        var explicitFactor = Config(64, 10000, new RopeScaling(RopeType.Yarn, 4, 4096, null, null, 0.5, null, null, true));
        Assert.Equal(0.5, RopeTables.AttentionScaling(explicitFactor));
        Assert.Equal(0.5f, RopeTables.Tables(explicitFactor, 1).Cos[0]);

        Assert.Equal(1.0, YarnParameters.GetMscale(1.0));
        Assert.Equal(1.0, YarnParameters.GetMscale(0.5, 3));
    }

    [Fact]
    public void Yarn_equal_bounds_ramp_does_not_divide_by_zero()
    {
        float[] ramp = RopeTables.LinearRampFactor(3, 3, 6);
        Assert.Equal([0f, 0f, 0f, 0f, 1f, 1f], ramp);
    }

    [Theory]
    [InlineData(RopeType.Default, 1.0, null)]
    [InlineData(RopeType.Linear, 4.0, null)]
    [InlineData(RopeType.Dynamic, 2.0, null)]
    [InlineData(RopeType.Dynamic, 2.0, 300)]
    [InlineData(RopeType.Yarn, 4.0, null)]
    public void Library_and_reference_rope_agree(RopeType type, double factor, int? length)
    {
        var config = Config(128, 1_000_000, Scaling(type, factor, type == RopeType.Yarn ? 64 : null), maxPositions: 256);
        double[] library = RopeTables.InverseFrequencies(config, length);
        var (reference, scaling) = OwnRope.Parameters(config, length ?? 1);

        Assert.Equal(reference.Length, library.Length);
        for (int i = 0; i < library.Length; i++)
        {
            Close(reference[i], library[i], 2e-6);
        }

        Assert.Equal(scaling, RopeTables.AttentionScaling(config));
    }

    [Fact]
    public void Rejects_odd_head_dims()
        => Assert.Throws<ArgumentException>(() => RopeTables.InverseFrequencies(Config(7, 10000, RopeScaling.None)));
}
