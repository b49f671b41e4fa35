using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests.Chat;

/// <summary>
/// A chat model whose raw output is fixed text, one script entry per turn, streamed a few characters at a time through
/// the real <see cref="QwenToolCallParser"/> exactly as <see cref="QwenChatClient"/> streams decoded tokens (tools
/// offered: calls parsed; none: text as it is). Records what each turn was asked.
/// </summary>
internal sealed class ScriptedQwenChatClient(params string[] turns) : IChatClient
{
    private readonly Queue<string> _turns = new(turns);

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public int PieceLength { get; init; } = 3;

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        await GetStreamingResponseAsync(messages, options, cancellationToken).ToChatResponseAsync(cancellationToken);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Requests.Add(([.. messages], options));
        var raw = _turns.Count > 0 ? _turns.Dequeue() : throw new InvalidOperationException("The script has no more turns.");
        var calls = options?.Tools is { Count: > 0 } ? new QwenToolCallParser() : null;
        for (var at = 0; at < raw.Length; at += PieceLength)
        {
            await Task.Yield();
            var piece = raw.Substring(at, Math.Min(PieceLength, raw.Length - at));
            foreach (var content in calls is null ? [new TextContent(piece)] : calls.Push(piece))
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, [content]);
            }
        }

        foreach (var content in calls?.Flush() ?? [])
        {
            yield return new ChatResponseUpdate(ChatRole.Assistant, [content]);
        }

        yield return new ChatResponseUpdate(ChatRole.Assistant, (string?)null)
        {
            FinishReason = calls?.HasCalls == true ? ChatFinishReason.ToolCalls : ChatFinishReason.Stop,
        };
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
