using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Generation;

/// <summary>
/// What one generation decides after each pass, whoever runs the passes (<see cref="TokenGenerator"/> alone, or
/// <see cref="GenerationScheduler"/> in a batch): its own <see cref="Sampler"/> (seed, penalties), its history, and
/// when it stops: on the model's EOS or the options' stop ids (not yielded), on a stop string (the completing token is
/// not yielded), or after <see cref="SamplingOptions.MaxNewTokens"/>.
/// </summary>
internal sealed class SequenceDecoder
{
    private readonly SamplingOptions _options;
    private readonly Sampler _sampler;
    private readonly HashSet<int> _stopIds;
    private readonly List<int> _history;
    private readonly List<int> _generated;
    private readonly Func<IReadOnlyList<int>, string>? _decode;
    private readonly int _longestStop;
    private int _checkedLength;

    private SequenceDecoder(int[] prompt, SamplingOptions options, int? eos, Func<IReadOnlyList<int>, string>? decode)
    {
        Prompt = prompt;
        _options = options;
        _sampler = new Sampler(options);
        _stopIds = [.. options.StopTokenIds];
        if (eos is { } id)
        {
            _stopIds.Add(id);
        }

        _history = new List<int>(prompt.Length + options.MaxNewTokens);
        _history.AddRange(prompt);
        _generated = new List<int>(options.MaxNewTokens);
        _decode = decode;
        _longestStop = options.StopStrings.Count == 0 ? 0 : options.StopStrings.Max(stop => stop.Length);
    }

    public int[] Prompt { get; }

    /// <summary>Prompt plus the most new tokens: the positions the generation may need in its cache.</summary>
    public int Positions => Prompt.Length + _options.MaxNewTokens;

    /// <summary>Tokens yielded so far.</summary>
    public int Generated => _generated.Count;

    /// <summary>
    /// Checks a request the way every generation path must, before any work: options in range, a prompt, room in the
    /// model's context, a decoder for stop strings. Throws <see cref="ArgumentException"/> saying what to change.
    /// </summary>
    public static SequenceDecoder Start(
        IReadOnlyList<int> prompt, SamplingOptions? options, QwenOnnxModel model, Func<IReadOnlyList<int>, string>? decode)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new SamplingOptions();
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("At least one prompt token is needed.", nameof(prompt));
        }

        if ((long)prompt.Count + options.MaxNewTokens > model.ContextLength)
        {
            throw new ArgumentException(
                $"The prompt of {prompt.Count} tokens plus {options.MaxNewTokens} new tokens exceeds the model's context length " +
                $"of {model.ContextLength} tokens; shorten the prompt or ask for at most {Math.Max(0, model.ContextLength - prompt.Count)} new tokens.",
                nameof(prompt));
        }

        if (options.StopStrings.Count > 0 && decode is null)
        {
            throw new ArgumentException("Stop strings need a generator constructed with a decoder.", nameof(options));
        }

        return new SequenceDecoder([.. prompt], options, model.EosTokenId, decode);
    }

    /// <summary>
    /// Picks the token after <paramref name="logits"/>: <c>Token</c> is the one to yield (null when the pick ends the
    /// generation unseen), <c>Done</c> whether the generation ends here (after yielding <c>Token</c>, if any).
    /// </summary>
    public (int? Token, bool Done) Next(ReadOnlySpan<float> logits)
    {
        var next = _sampler.Next(logits, _history);
        if (_stopIds.Contains(next))
        {
            return (null, true);
        }

        _history.Add(next);
        _generated.Add(next);
        if (_longestStop > 0)
        {
            var text = _decode!(_generated);
            // Only the tail can hold a stop string that this token completed.
            var from = Math.Max(0, Math.Min(_checkedLength, text.Length) - _longestStop + 1);
            _checkedLength = text.Length;
            if (_options.StopStrings.Any(stop => text.IndexOf(stop, from, StringComparison.Ordinal) >= 0))
            {
                return (null, true);
            }
        }

        return (next, _generated.Count >= _options.MaxNewTokens);
    }
}
