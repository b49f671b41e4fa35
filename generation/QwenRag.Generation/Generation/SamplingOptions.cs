namespace QwenRag.Generation.Generation;

/// <summary>
/// How a <see cref="Sampler"/> picks each token and when a generation (scheduled or alone) stops. Defaults follow Qwen's
/// recommended settings for direct (non-thinking) answers: temperature 0.7, top-p 0.8, top-k 20.
/// </summary>
public sealed record SamplingOptions
{
    /// <summary>Greedy decoding (argmax after the repetition penalty), reproducible without a seed.</summary>
    public static SamplingOptions GreedyDecoding { get; } = new() { Greedy = true };

    /// <summary>Logits are divided by it; 0 or less means greedy.</summary>
    public float Temperature { get; init; } = 0.7f;

    /// <summary>Always take the most likely token, whatever <see cref="Temperature"/> says.</summary>
    public bool Greedy { get; init; }

    /// <summary>Keep only the K most likely tokens; 0 keeps all.</summary>
    public int TopK { get; init; } = 20;

    /// <summary>Keep the smallest set of most likely tokens whose probability reaches P; 1 keeps all.</summary>
    public float TopP { get; init; } = 0.8f;

    /// <summary>Hugging Face's repetition penalty over prompt and generated tokens; 1 is none.</summary>
    public float RepetitionPenalty { get; init; } = 1f;

    /// <summary>Seed for reproducible sampling; null draws a fresh one.</summary>
    public int? Seed { get; init; }

    public int MaxNewTokens { get; init; } = 512;

    /// <summary>Tokens that end generation (not yielded), besides the model's EOS, e.g. &lt;|im_end|&gt;.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>Texts that end generation once the decoded output contains one (needs a decoder).</summary>
    public IReadOnlyList<string> StopStrings { get; init; } = [];

    public bool IsGreedy => Greedy || Temperature <= 0;

    /// <summary>Throws <see cref="ArgumentException"/> naming the first out-of-range setting.</summary>
    public void Validate()
    {
        if (float.IsNaN(Temperature))
        {
            throw new ArgumentException("Temperature must be a number.");
        }

        if (TopK < 0)
        {
            throw new ArgumentException($"TopK must be 0 (off) or positive (was {TopK}).");
        }

        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"TopP must be in (0, 1] (was {TopP}).");
        }

        if (!(RepetitionPenalty > 0))
        {
            throw new ArgumentException($"RepetitionPenalty must be positive (was {RepetitionPenalty}).");
        }

        if (MaxNewTokens < 1)
        {
            throw new ArgumentException($"MaxNewTokens must be at least 1 (was {MaxNewTokens}).");
        }

        ArgumentNullException.ThrowIfNull(StopTokenIds);
        ArgumentNullException.ThrowIfNull(StopStrings);
        if (StopStrings.Any(string.IsNullOrEmpty))
        {
            throw new ArgumentException("Stop strings must not be empty.");
        }
    }
}
