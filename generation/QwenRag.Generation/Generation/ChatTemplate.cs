using System.Text;

namespace QwenRag.Generation.Generation;

/// <summary>
/// Qwen's ChatML prompt text: each turn is "&lt;|im_start|&gt;role\ncontent&lt;|im_end|&gt;\n", and the generation prompt
/// opens the assistant's turn. Matches the chat_template of Qwen2.5 and Qwen3 for system, user and assistant turns
/// (no tools), except that it never inserts Qwen2.5's default system prompt: callers pass their own.
/// </summary>
public static class ChatTemplate
{
    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    /// <summary>What Qwen3's template appends to the generation prompt when enable_thinking is false.</summary>
    public const string EmptyThinking = "<think>\n\n</think>\n\n";

    private static readonly string[] Roles = ["system", "user", "assistant"];

    /// <param name="messages">Turns in order; roles are system, user or assistant.</param>
    /// <param name="addGenerationPrompt">Open the assistant's turn after the last message.</param>
    /// <param name="enableThinking">
    /// Qwen3's thinking switch: false appends an empty think block to the generation prompt so the model answers
    /// directly (what RAG answers want); null or true leave the prompt as Qwen2.5 and thinking Qwen3 expect it.
    /// </param>
    public static string Render(IReadOnlyList<(string Role, string Content)> messages, bool addGenerationPrompt = true, bool? enableThinking = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var text = new StringBuilder();
        for (var i = 0; i < messages.Count; i++)
        {
            var (role, content) = messages[i];
            if (!Roles.Contains(role, StringComparer.Ordinal))
            {
                throw new ArgumentException($"Message {i} has role '{role}'; expected system, user or assistant.", nameof(messages));
            }

            if (content is null)
            {
                throw new ArgumentException($"Message {i} has no content.", nameof(messages));
            }

            text.Append(ImStart).Append(role).Append('\n').Append(content).Append(ImEnd).Append('\n');
        }

        if (addGenerationPrompt)
        {
            text.Append(ImStart).Append("assistant\n");
            if (enableThinking == false)
            {
                text.Append(EmptyThinking);
            }
        }

        return text.ToString();
    }
}
