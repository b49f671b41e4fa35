using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QwenRag.Core;

namespace QwenRag.Generation.Chat;

/// <summary>
/// Lets one request at a time through to the chat client it wraps, and at most <see cref="MaxQueued"/> more wait, first
/// come first served (<see cref="AnswerQueue"/>); a request beyond those is refused with
/// <see cref="ModelBusyException"/> before its first token. A streaming request enters the queue when its stream is
/// first moved, so a caller that primes the stream (reads the first update before it answers) still sees a full
/// queue as an exception, and it gives its turn back when the stream ends or is disposed. A waiting request whose
/// caller cancels leaves the queue.
/// </summary>
public sealed partial class GenerationQueueChatClient : DelegatingChatClient
{
    private readonly AnswerQueue _queue;
    private readonly ILogger _logger;

    /// <param name="innerClient">The client that generates.</param>
    /// <param name="maxQueued">Requests allowed to wait while one generates; 0 admits only the running one.</param>
    /// <param name="logger">Receives refused requests.</param>
    public GenerationQueueChatClient(IChatClient innerClient, int maxQueued, ILogger<GenerationQueueChatClient>? logger = null)
        : base(innerClient)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxQueued);
        _queue = new AnswerQueue(maxQueued);
        _logger = logger ?? NullLogger<GenerationQueueChatClient>.Instance;
    }

    /// <summary>Requests allowed to wait while one generates.</summary>
    public int MaxQueued => _queue.MaxWaiting;

    /// <summary>Generations running now (0 or 1).</summary>
    public int Running => _queue.Running;

    /// <summary>Requests waiting now.</summary>
    public int Waiting => _queue.Waiting;

    public override async Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var turn = await EnterAsync(cancellationToken).ConfigureAwait(false);
        return await base.GetResponseAsync(messages, options, cancellationToken).ConfigureAwait(false);
    }

    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var turn = await EnterAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).ConfigureAwait(false))
        {
            yield return update;
        }
    }

    private async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _queue.EnterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelBusyException busy)
        {
            LogRefused(busy.Running, busy.Waiting);
            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a request: the model is busy ({Running} running, {Waiting} waiting).")]
    private partial void LogRefused(int running, int waiting);
}
