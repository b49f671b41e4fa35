using System.Diagnostics;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using QwenRag.Core.Telemetry;

namespace QwenRag.Generation.Chat;

/// <summary>
/// Records <see cref="QwenRagTelemetry.TokensPerSecond"/> for a model behind a chat server, from the output tokens the
/// server reports in its usage: over the time after the first update when streaming (the prompt's reading excluded,
/// as for the local model), over the whole call otherwise. A response without usage records nothing.
/// </summary>
public sealed class TokenRateChatClient(IChatClient innerClient) : DelegatingChatClient(innerClient)
{
    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        var started = Stopwatch.GetTimestamp();
        var response = await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
        Record(response.Usage?.OutputTokenCount, Stopwatch.GetElapsedTime(started));
        return response;
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        long? first = null;
        long? tokens = null;
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            first ??= Stopwatch.GetTimestamp();
            foreach (var usage in update.Contents.OfType<UsageContent>())
            {
                tokens = usage.Details.OutputTokenCount ?? tokens;
            }

            yield return update;
        }

        if (first is { } from)
        {
            Record(tokens, Stopwatch.GetElapsedTime(from));
        }
    }

    private static void Record(long? tokens, TimeSpan elapsed)
    {
        if (tokens is > 0 && elapsed > TimeSpan.Zero)
        {
            QwenRagTelemetry.TokensPerSecond.Record(tokens.Value / elapsed.TotalSeconds);
        }
    }
}
