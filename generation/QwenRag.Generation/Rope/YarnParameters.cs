using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Rope;

/// <summary>
/// The scalar parameters of YaRN as Hugging Face transformers derives them in
/// <c>modeling_rope_utils._compute_yarn_parameters</c> (all in Python doubles there, and here).
/// </summary>
public sealed record YarnParameters(
    double Factor,
    int OriginalMaxPositionEmbeddings,
    double BetaFast,
    double BetaSlow,
    double AttentionFactor,
    bool Truncate,
    double Low,
    double High)
{
    /// <summary>Reads the YaRN block of <paramref name="config"/>; throws when its RoPE scaling is not YaRN.</summary>
    public static YarnParameters From(QwenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var scaling = config.RopeScaling ?? RopeScaling.None;
        if (scaling.Type != RopeType.Yarn)
        {
            throw new ArgumentException($"RoPE scaling is {scaling.Type}, not YaRN.", nameof(config));
        }

        int dim = RopeTables.RotaryDimension(config);

        // original_max_position_embeddings: from the rope block, else config.max_position_embeddings
        // (RotaryEmbeddingConfigMixin.standardize_rope_params fills it in that way).
        int original = scaling.OriginalMaxPositionEmbeddings ?? config.MaxPositionEmbeddings;

        // factor = rope_parameters["factor"]; only when it is missing, max_position_embeddings / original.
        double factor = scaling.Factor > 0 ? scaling.Factor : (double)config.MaxPositionEmbeddings / original;

        // attention_factor: explicit, else get_mscale(factor, mscale) / get_mscale(factor, mscale_all_dim)
        // when both are truthy, else get_mscale(factor).
        double attentionFactor;
        if (scaling.AttentionFactor is double explicitFactor)
        {
            attentionFactor = explicitFactor;
        }
        else if (scaling.Mscale is double mscale && mscale != 0
            && scaling.MscaleAllDim is double mscaleAllDim && mscaleAllDim != 0)
        {
            attentionFactor = GetMscale(factor, mscale) / GetMscale(factor, mscaleAllDim);
        }
        else
        {
            attentionFactor = GetMscale(factor);
        }

        // beta_fast = get("beta_fast") or 32; beta_slow = get("beta_slow") or 1 (a zero counts as missing).
        double betaFast = scaling.BetaFast is double fast && fast != 0 ? fast : 32;
        double betaSlow = scaling.BetaSlow is double slow && slow != 0 ? slow : 1;

        double theta = config.RopeTheta;
        double low = FindCorrectionDim(betaFast, dim, theta, original);
        double high = FindCorrectionDim(betaSlow, dim, theta, original);
        if (scaling.Truncate)
        {
            low = Math.Floor(low);
            high = Math.Ceiling(high);
        }

        low = Math.Max(low, 0);
        high = Math.Min(high, dim - 1);

        return new YarnParameters(factor, original, betaFast, betaSlow, attentionFactor, scaling.Truncate, low, high);
    }

    /// <summary><c>get_mscale(scale, mscale)</c>: 1 when scale ≤ 1, else 0.1·mscale·ln(scale) + 1.</summary>
    public static double GetMscale(double scale, double mscale = 1)
        => scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;

    /// <summary>
    /// <c>find_correction_dim</c>: the dimension whose wavelength makes <paramref name="numRotations"/> turns over
    /// <paramref name="maxPositionEmbeddings"/> positions, <c>dim·ln(max_pos / (num_rot·2π)) / (2·ln base)</c>.
    /// </summary>
    public static double FindCorrectionDim(double numRotations, int dim, double theta, int maxPositionEmbeddings)
        => dim * Math.Log(maxPositionEmbeddings / (numRotations * 2 * Math.PI)) / (2 * Math.Log(theta));
}
