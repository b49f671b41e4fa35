using System.Diagnostics;
using System.Runtime.CompilerServices;
using QwenRag.Core.Telemetry;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Generation;

/// <summary>
/// Token-by-token generation over a <see cref="QwenOnnxModel"/> (batch 1): the prompt is prefilled in chunks into a
/// KV cache owned by the generation, then one pass per new token. Stops on the model's EOS, the options' stop ids
/// (not yielded), a stop string (the completing token is not yielded), or <see cref="SamplingOptions.MaxNewTokens"/>.
/// </summary>
public sealed class TokenGenerator
{
    public const int DefaultPrefillChunk = QwenOnnxModel.DefaultPrefillChunk;

    private readonly QwenOnnxModel _model;
    private readonly int _prefillChunk;
    private readonly Func<IReadOnlyList<int>, string>? _decode;

    /// <param name="model">The model; it must outlive every generation started here.</param>
    /// <param name="prefillChunk">Most prompt tokens per pass, which bounds the attention work of one pass.</param>
    /// <param name="decode">Generated tokens to text, needed only for <see cref="SamplingOptions.StopStrings"/>.</param>
    public TokenGenerator(QwenOnnxModel model, int prefillChunk = DefaultPrefillChunk, Func<IReadOnlyList<int>, string>? decode = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(prefillChunk, 1);
        _model = model;
        _prefillChunk = prefillChunk;
        _decode = decode;
    }

    /// <summary>Streams new token ids; cancellation is checked before every pass.</summary>
    /// <exception cref="ArgumentException">
    /// The prompt is empty, the options are out of range, or prompt plus max new tokens exceed the context length.
    /// </exception>
    public IAsyncEnumerable<int> GenerateAsync(IReadOnlyList<int> prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default)
    {
        // Checked here, not inside the iterator, so that a bad request fails at the call rather than at the first MoveNext.
        ArgumentNullException.ThrowIfNull(prompt);
        options ??= new SamplingOptions();
        options.Validate();
        if (prompt.Count == 0)
        {
            throw new ArgumentException("At least one prompt token is needed.", nameof(prompt));
        }

        if ((long)prompt.Count + options.MaxNewTokens > _model.ContextLength)
        {
            throw new ArgumentException(
                $"The prompt of {prompt.Count} tokens plus {options.MaxNewTokens} new tokens exceeds the model's context length " +
                $"of {_model.ContextLength} tokens; shorten the prompt or ask for at most {Math.Max(0, _model.ContextLength - prompt.Count)} new tokens.",
                nameof(prompt));
        }

        if (options.StopStrings.Count > 0 && _decode is null)
        {
            throw new ArgumentException("Stop strings need a TokenGenerator constructed with a decoder.", nameof(options));
        }

        return Generate(prompt.ToArray(), options, cancellationToken);
    }

    private async IAsyncEnumerable<int> Generate(int[] prompt, SamplingOptions options, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var stopIds = new HashSet<int>(options.StopTokenIds);
        if (_model.EosTokenId is { } eos)
        {
            stopIds.Add(eos);
        }

        var sampler = new Sampler(options);
        var history = new List<int>(prompt.Length + options.MaxNewTokens);
        history.AddRange(prompt);
        var generated = new List<int>(options.MaxNewTokens);
        var longestStop = options.StopStrings.Count == 0 ? 0 : options.StopStrings.Max(stop => stop.Length);
        var checkedLength = 0;

        using var cache = _model.CreateCache(prompt.Length + options.MaxNewTokens);
        float[] logits = [];
        for (var start = 0; start < prompt.Length; start += _prefillChunk)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var chunk = prompt.AsMemory(start, Math.Min(_prefillChunk, prompt.Length - start));
            logits = await Task.Run(() => _model.Append(cache, chunk.Span), cancellationToken).ConfigureAwait(false);
        }

        // Tokens per second of the decoding after the prompt, recorded when the generation ends however it ends.
        var decodeStarted = Stopwatch.GetTimestamp();
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var next = sampler.Next(logits, history);
                if (stopIds.Contains(next))
                {
                    yield break;
                }

                history.Add(next);
                generated.Add(next);
                if (longestStop > 0)
                {
                    var text = _decode!(generated);
                    // Only the tail can hold a stop string that this token completed.
                    var from = Math.Max(0, Math.Min(checkedLength, text.Length) - longestStop + 1);
                    checkedLength = text.Length;
                    if (options.StopStrings.Any(stop => text.IndexOf(stop, from, StringComparison.Ordinal) >= 0))
                    {
                        yield break;
                    }
                }

                yield return next;
                if (generated.Count >= options.MaxNewTokens)
                {
                    yield break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                var token = next;
                logits = await Task.Run(() => _model.Append(cache, [token]), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            var seconds = Stopwatch.GetElapsedTime(decodeStarted).TotalSeconds;
            if (generated.Count > 0 && seconds > 0)
            {
                QwenRagTelemetry.TokensPerSecond.Record(generated.Count / seconds);
            }
        }
    }
}
