using System.Text;
using Microsoft.Extensions.AI;

namespace QwenRag.Generation.Chat;

/// <summary>
/// A token budget for a chat model whose tokenizer is not here (a model behind an OpenAI-compatible server): a
/// configured context size, and text counted as one token per three UTF-8 bytes, rounded up, plus
/// <see cref="TokensPerMessage"/> for each message's framing. BPE tokenizers take about four bytes of English per token,
/// so the estimate errs on the side of a prompt that fits. Control markers are ChatML's and Qwen's, the common ones
/// among open models such servers run.
/// </summary>
public sealed class EstimatedTokenBudget : IChatTokenBudget
{
    public const int BytesPerToken = 3;

    public const int TokensPerMessage = 8;

    private static readonly string[] Markers =
    [
        "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>",
        "<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>",
    ];

    /// <param name="contextTokens">Tokens the model's context holds.</param>
    public EstimatedTokenBudget(int contextTokens)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(contextTokens, 1);
        ContextTokens = contextTokens;
    }

    public int ContextTokens { get; }

    public IReadOnlyCollection<string> ControlMarkers => Markers;

    public int CountTokens(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return (Encoding.UTF8.GetByteCount(text) + BytesPerToken - 1) / BytesPerToken;
    }

    public int CountPromptTokens(IEnumerable<ChatMessage> messages, ChatOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var count = TokensPerMessage;
        if (!string.IsNullOrEmpty(options?.Instructions))
        {
            count += TokensPerMessage + CountTokens(options.Instructions);
        }

        foreach (var message in messages)
        {
            count += TokensPerMessage + CountTokens(message.Text);
        }

        return count;
    }
}
