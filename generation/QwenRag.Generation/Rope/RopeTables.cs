using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.Rope;

/// <summary>
/// Rotary position embedding tables, following Hugging Face transformers' <c>modeling_rope_utils</c> formulas
/// (default, linear, dynamic NTK, YaRN) and the float32 arithmetic torch does on them.
/// </summary>
/// <remarks>
/// Where transformers computes with float32 tensors (the inverse frequencies, <c>position * inv_freq</c>, cos/sin and
/// the multiplication by the attention scaling) this class rounds every step to float32 in the same order; where it
/// computes with Python floats (YaRN's correction range and attention factor, dynamic NTK's base at init time) it
/// uses doubles. Transcendentals (pow, cos, sin) are the platform's, so results may differ from torch's vectorised
/// kernels by an ulp.
/// </remarks>
public static class RopeTables
{
    /// <summary>The rotated dimension: head_dim (Qwen has no partial rotary factor).</summary>
    public static int RotaryDimension(QwenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = config.HeadDim;
        if (dim <= 2 || dim % 2 != 0)
        {
            throw new ArgumentException($"head_dim must be even and above 2, got {dim}.", nameof(config));
        }

        return dim;
    }

    /// <summary>
    /// The inverse frequencies, head_dim / 2 of them (float32 values widened to double).
    /// <paramref name="sequenceLength"/> matters only to dynamic NTK, where it is the current total length
    /// (<c>max(position_ids) + 1</c>); up to max_position_embeddings, or when null, dynamic gives the default table.
    /// </summary>
    public static double[] InverseFrequencies(QwenConfig config, int? sequenceLength = null)
        => Array.ConvertAll(InverseFrequenciesFloat32(config, sequenceLength), value => (double)value);

    /// <summary>The inverse frequencies as float32, exactly as the tensor transformers builds (up to pow's last ulp).</summary>
    public static float[] InverseFrequenciesFloat32(QwenConfig config, int? sequenceLength = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        int dim = RotaryDimension(config);
        var scaling = config.RopeScaling ?? RopeScaling.None;
        return scaling.Type switch
        {
            RopeType.Default => Reciprocal(PositionFrequencies((float)config.RopeTheta, dim)),
            RopeType.Linear => Linear(config, dim, scaling.Factor),
            RopeType.Dynamic => DynamicNtk(config, dim, scaling.Factor, sequenceLength),
            RopeType.Yarn => Yarn(config, dim),
            _ => throw new NotSupportedException($"RoPE type {scaling.Type} is not supported."),
        };
    }

    /// <summary>
    /// The factor transformers multiplies cos and sin by (<c>attention_scaling</c>): YaRN's attention factor, 1 for the
    /// other types.
    /// </summary>
    public static double AttentionScaling(QwenConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var scaling = config.RopeScaling ?? RopeScaling.None;
        return scaling.Type == RopeType.Yarn ? YarnParameters.From(config).AttentionFactor : 1.0;
    }

    /// <summary>
    /// Cos and sin tables of shape [positions, head_dim / 2], row-major: <c>cos(p · inv_freq[i]) · attention_scaling</c>
    /// with <c>p · inv_freq[i]</c> rounded to float32 as torch's float32 matmul does. The full HF embedding is this
    /// half duplicated (<c>cat(freqs, freqs)</c>), which is the layout onnxruntime's rotary kernels expect.
    /// </summary>
    public static (float[] Cos, float[] Sin) Tables(QwenConfig config, int positions, int? sequenceLength = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(positions);
        float[] inverse = InverseFrequenciesFloat32(config, sequenceLength);
        float scale = (float)AttentionScaling(config);
        int half = inverse.Length;
        var cos = new float[positions * half];
        var sin = new float[positions * half];
        for (int p = 0; p < positions; p++)
        {
            float position = p;
            int row = p * half;
            for (int i = 0; i < half; i++)
            {
                float angle = position * inverse[i];
                cos[row + i] = (float)Math.Cos(angle) * scale;
                sin[row + i] = (float)Math.Sin(angle) * scale;
            }
        }

        return (cos, sin);
    }

    // base ** (torch.arange(0, dim, 2, dtype=torch.int64).float() / dim): float32 exponent, float32 pow.
    private static float[] PositionFrequencies(float theta, int dim)
    {
        var result = new float[dim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            float exponent = (float)(2 * i) / dim;
            result[i] = MathF.Pow(theta, exponent);
        }

        return result;
    }

    // 1.0 / tensor (torch: reciprocal(tensor) * 1.0).
    private static float[] Reciprocal(float[] values)
    {
        var result = new float[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            result[i] = 1f / values[i];
        }

        return result;
    }

    // _compute_linear_scaling_rope_parameters: default inv_freq, then inv_freq /= factor (float32).
    private static float[] Linear(QwenConfig config, int dim, double factor)
    {
        float[] inverse = Reciprocal(PositionFrequencies((float)config.RopeTheta, dim));
        float divisor = (float)factor;
        for (int i = 0; i < inverse.Length; i++)
        {
            inverse[i] /= divisor;
        }

        return inverse;
    }

    // _compute_dynamic_ntk_parameters:
    //   seq_len = max(seq_len, max_position_embeddings)   (max_position_embeddings when seq_len is None)
    //   base = base * ((factor * seq_len / max_position_embeddings) - (factor - 1)) ** (dim / (dim - 2))
    //   inv_freq = 1.0 / (base ** (arange(0, dim, 2).float() / dim))
    // At init (seq_len None) that is Python double arithmetic. In the forward pass, dynamic_rope_update recomputes
    // only when seq_len = max(position_ids) + 1 grows beyond the cached length (initially max_position_embeddings),
    // and then seq_len is an int64 tensor, so the base is float32 tensor arithmetic. Both are reproduced here.
    private static float[] DynamicNtk(QwenConfig config, int dim, double factor, int? sequenceLength)
    {
        int maxPositions = config.MaxPositionEmbeddings;
        float theta;
        if (sequenceLength is int length && length > maxPositions)
        {
            float scaled = (float)factor * length;
            scaled /= maxPositions;
            scaled -= (float)(factor - 1);
            scaled = MathF.Pow(scaled, (float)((double)dim / (dim - 2)));
            theta = (float)config.RopeTheta * scaled;
        }
        else
        {
            double ratio = factor * maxPositions / maxPositions - (factor - 1);
            theta = (float)(config.RopeTheta * Math.Pow(ratio, (double)dim / (dim - 2)));
        }

        return Reciprocal(PositionFrequencies(theta, dim));
    }

    // _compute_yarn_parameters:
    //   pos_freqs = base ** (arange(0, dim, 2).float() / dim)
    //   inv_freq_extrapolation = 1.0 / pos_freqs
    //   inv_freq_interpolation = 1.0 / (factor * pos_freqs)
    //   low, high = find_correction_range(beta_fast, beta_slow, dim, base, original_max_position_embeddings, truncate)
    //   inv_freq_extrapolation_factor = 1 - linear_ramp_factor(low, high, dim // 2)
    //   inv_freq = inv_freq_interpolation * (1 - inv_freq_extrapolation_factor)
    //              + inv_freq_extrapolation * inv_freq_extrapolation_factor
    private static float[] Yarn(QwenConfig config, int dim)
    {
        var yarn = YarnParameters.From(config);
        float[] positionFrequencies = PositionFrequencies((float)config.RopeTheta, dim);
        float factor = (float)yarn.Factor;
        float[] ramp = LinearRampFactor(yarn.Low, yarn.High, dim / 2);
        var result = new float[dim / 2];
        for (int i = 0; i < result.Length; i++)
        {
            float extrapolation = 1f / positionFrequencies[i];
            float interpolation = 1f / (factor * positionFrequencies[i]);
            float extrapolationFactor = 1f - ramp[i];
            float interpolated = interpolation * (1f - extrapolationFactor);
            float extrapolated = extrapolation * extrapolationFactor;
            result[i] = interpolated + extrapolated;
        }

        return result;
    }

    // linear_ramp_factor(min, max, dim):
    //   if min == max: max += 0.001
    //   clamp((arange(dim, dtype=float32) - min) / (max - min), 0, 1)
    // min is a float32 scalar operand, (max - min) a Python double turned into a float32 scalar operand.
    internal static float[] LinearRampFactor(double min, double max, int count)
    {
        if (min == max)
        {
            max += 0.001;
        }

        float minimum = (float)min;
        float span = (float)(max - min);
        var ramp = new float[count];
        for (int i = 0; i < count; i++)
        {
            float linear = ((float)i - minimum) / span;
            ramp[i] = Math.Clamp(linear, 0f, 1f);
        }

        return ramp;
    }
}
