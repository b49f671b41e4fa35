using Microsoft.Extensions.AI;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>
/// Stands in for the language model, which cannot run here: its first turn calls one tool with fixed arguments,
/// its second repeats the tool's result, so a test sees exactly what the tool returned through the agent's loop.
/// </summary>
public sealed class ScriptedChatClient(string toolName, IReadOnlyDictionary<string, object?> arguments) : IChatClient
{
    public List<ChatOptions?> Requests { get; } = [];

    public Task<ChatResponse> GetResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Requests.Add(options);
        var result = messages.SelectMany(message => message.Contents).OfType<FunctionResultContent>().LastOrDefault();
        var reply = result is null
            ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent("call-1", toolName, new Dictionary<string, object?>(arguments))])
            : new ChatMessage(ChatRole.Assistant, $"The tool said: {result.Result}");
        return Task.FromResult(new ChatResponse(reply));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
        {
            yield return update;
        }
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
