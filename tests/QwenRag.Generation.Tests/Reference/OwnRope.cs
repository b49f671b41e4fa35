using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Tests.Reference;

/// <summary>
/// The reference's own RoPE inverse frequencies and attention scaling, written straight from transformers'
/// modeling_rope_utils without looking at the library's implementation (the reference must not share it).
/// </summary>
public static class OwnRope
{
    /// <summary>inv_freq (float32, head_dim/2 values) and attention_scaling for a sequence of <paramref name="length"/> tokens.</summary>
    public static (float[] InverseFrequencies, double AttentionScaling) Parameters(QwenConfig config, int length)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = config.HeadDim;
        double theta = config.RopeTheta;
        var rope = config.RopeScaling ?? RopeScaling.None;

        switch (rope.Type)
        {
            case RopeType.Default:
                return (Powers(theta, dim, 1f), 1.0);

            case RopeType.Linear:
                {
                    float[] inverse = Powers(theta, dim, 1f);
                    for (int i = 0; i < inverse.Length; i++)
                    {
                        inverse[i] /= (float)rope.Factor;
                    }

                    return (inverse, 1.0);
                }

            case RopeType.Dynamic:
                {
                    // base' = base * ((factor * L / max_pos) - (factor - 1)) ^ (dim / (dim - 2)), L = max(length, max_pos).
                    int maxPos = config.MaxPositionEmbeddings;
                    double seq = Math.Max(length, maxPos);
                    double newBase = theta * Math.Pow(rope.Factor * seq / maxPos - (rope.Factor - 1), dim / (dim - 2.0));
                    return (Powers(newBase, dim, 1f), 1.0);
                }

            case RopeType.Yarn:
                return Yarn(config, rope, dim, theta);

            default:
                throw new NotSupportedException(rope.Type.ToString());
        }
    }

    // 1 / (scale * base^(2i/dim)) in float32.
    private static float[] Powers(double theta, int dim, float scale)
    {
        var result = new float[dim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            float power = MathF.Pow((float)theta, (float)(2 * i) / dim);
            result[i] = 1f / (scale * power);
        }

        return result;
    }

    private static (float[], double) Yarn(QwenConfig config, RopeScaling rope, int dim, double theta)
    {
        int originalMax = rope.OriginalMaxPositionEmbeddings ?? config.MaxPositionEmbeddings;
        double factor = rope.Factor;

        static double Mscale(double scale, double m) => scale <= 1 ? 1.0 : 0.1 * m * Math.Log(scale) + 1.0;
        double attention = rope.AttentionFactor
            ?? (rope.Mscale is > 0 or < 0 && rope.MscaleAllDim is > 0 or < 0
                ? Mscale(factor, rope.Mscale.Value) / Mscale(factor, rope.MscaleAllDim.Value)
                : Mscale(factor, 1));

        double betaFast = rope.BetaFast is double bf && bf != 0 ? bf : 32;
        double betaSlow = rope.BetaSlow is double bs && bs != 0 ? bs : 1;
        double CorrectionDim(double rotations) =>
            dim * Math.Log(originalMax / (rotations * 2 * Math.PI)) / (2 * Math.Log(theta));
        double low = CorrectionDim(betaFast);
        double high = CorrectionDim(betaSlow);
        if (rope.Truncate)
        {
            low = Math.Floor(low);
            high = Math.Ceiling(high);
        }

        low = Math.Max(low, 0);
        high = Math.Min(high, dim - 1);
        if (low == high)
        {
            high += 0.001;
        }

        float[] extrapolation = Powers(theta, dim, 1f);
        float[] interpolation = Powers(theta, dim, (float)factor);
        var result = new float[dim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            float ramp = Math.Clamp((i - (float)low) / (float)(high - low), 0f, 1f);
            float keep = 1f - ramp;
            result[i] = interpolation[i] * (1f - keep) + extrapolation[i] * keep;
        }

        return (result, attention);
    }
}
