namespace QwenRag.Generation.Checkpoints;

/// <summary>
/// The "rope_scaling" (or "rope_parameters") block of a Hugging Face config, kept as written: the RoPE
/// tables apply transformers' formulas, including its defaults for the optional YaRN fields left null here.
/// </summary>
public sealed record RopeScaling(
    RopeType Type,
    double Factor,
    int? OriginalMaxPositionEmbeddings,
    double? BetaFast,
    double? BetaSlow,
    double? AttentionFactor,
    double? Mscale,
    double? MscaleAllDim,
    bool Truncate)
{
    /// <summary>Plain RoPE: no scaling.</summary>
    public static RopeScaling None { get; } = new(RopeType.Default, 1.0, null, null, null, null, null, null, true);
}
