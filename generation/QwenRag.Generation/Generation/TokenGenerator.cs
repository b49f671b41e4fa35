using System.Diagnostics;
using System.Runtime.CompilerServices;
using QwenRag.Core.Telemetry;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Generation;

/// <summary>
/// Token-by-token generation over a <see cref="QwenOnnxModel"/> (batch 1): the prompt is prefilled in chunks into a
/// KV cache owned by the generation, then one pass per new token. Stops on the model's EOS, the options' stop ids
/// (not yielded), a stop string (the completing token is not yielded), or <see cref="SamplingOptions.MaxNewTokens"/>.
/// One sequence with a cache of its own, for a caller that shares the model with nobody; the service's generations run
/// on <see cref="GenerationScheduler"/> (through the chat client), which makes the same per-sequence decisions
/// (<see cref="SequenceDecoder"/>) and, greedy, the same tokens.
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
    public IAsyncEnumerable<int> GenerateAsync(IReadOnlyList<int> prompt, SamplingOptions? options = null, CancellationToken cancellationToken = default) =>
        // Checked here, not inside the iterator, so that a bad request fails at the call rather than at the first MoveNext.
        Generate(SequenceDecoder.Start(prompt, options, _model, _decode), cancellationToken);

    private async IAsyncEnumerable<int> Generate(SequenceDecoder sequence, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var prompt = sequence.Prompt;
        using var cache = _model.CreateCache(sequence.Positions);
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
                var (next, done) = sequence.Next(logits);
                if (next is { } token)
                {
                    yield return token;
                }

                if (done)
                {
                    yield break;
                }

                cancellationToken.ThrowIfCancellationRequested();
                logits = await Task.Run(() => _model.Append(cache, [next!.Value]), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            QwenRagTelemetry.RecordDecodeRate(sequence.Generated, Stopwatch.GetElapsedTime(decodeStarted));
        }
    }
}
