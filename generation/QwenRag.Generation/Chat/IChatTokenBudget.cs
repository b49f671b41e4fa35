using Microsoft.Extensions.AI;

namespace QwenRag.Generation.Chat;

/// <summary>
/// What a chat model's context holds, for packing a prompt: its size in tokens and how many tokens text and whole
/// prompts take. <see cref="QwenChatClient"/> counts exactly with its tokenizer and template; for any other
/// <see cref="IChatClient"/>, <see cref="EstimatedTokenBudget"/> estimates. A chat client offers its own through
/// <c>GetService(typeof(IChatTokenBudget))</c>, which delegating clients pass on to the client they wrap.
/// </summary>
public interface IChatTokenBudget
{
    /// <summary>Tokens the model's context holds: the prompt and the answer together.</summary>
    int ContextTokens { get; }

    /// <summary>
    /// Markers that open or close turns, thoughts or tool calls when they appear in text (for Qwen its added tokens):
    /// untrusted text, such as a retrieved document, must have them broken up before it goes into a prompt.
    /// </summary>
    IReadOnlyCollection<string> ControlMarkers { get; }

    /// <summary>Tokens that <paramref name="text"/> takes inside a message.</summary>
    int CountTokens(string text);

    /// <summary>Tokens of the whole prompt the model is fed for <paramref name="messages"/>, the assistant's turn opened.</summary>
    int CountPromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null);
}
