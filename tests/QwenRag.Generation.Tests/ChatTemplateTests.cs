using QwenRag.Generation.Generation;

namespace QwenRag.Generation.Tests;

public sealed class ChatTemplateTests
{
    private static readonly (string Role, string Content)[] Conversation =
    [
        ("system", "You answer from the sources."),
        ("user", "What is RoPE?"),
        ("assistant", "Rotary position embedding."),
        ("user", "Who proposed it?"),
    ];

    [Fact]
    public void Render_Conversation_IsQwenChatMlWithGenerationPrompt()
    {
        var text = ChatTemplate.Render(Conversation);

        Assert.Equal(
            "<|im_start|>system\nYou answer from the sources.<|im_end|>\n" +
            "<|im_start|>user\nWhat is RoPE?<|im_end|>\n" +
            "<|im_start|>assistant\nRotary position embedding.<|im_end|>\n" +
            "<|im_start|>user\nWho proposed it?<|im_end|>\n" +
            "<|im_start|>assistant\n",
            text);
    }

    [Fact]
    public void Render_WithoutGenerationPrompt_EndsAfterLastTurn()
        => Assert.Equal("<|im_start|>user\nhi<|im_end|>\n", ChatTemplate.Render([("user", "hi")], addGenerationPrompt: false));

    [Fact]
    public void Render_ThinkingOff_AppendsEmptyThinkBlock()
        => Assert.Equal(
            "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\n",
            ChatTemplate.Render([("user", "hi")], enableThinking: false));

    [Theory]
    [InlineData(null)]
    [InlineData(true)]
    public void Render_ThinkingOnOrUnset_LeavesPromptOpen(bool? thinking)
        => Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n", ChatTemplate.Render([("user", "hi")], enableThinking: thinking));

    [Fact]
    public void Render_ThinkingOffWithoutGenerationPrompt_AddsNothing()
        => Assert.Equal("<|im_start|>user\nhi<|im_end|>\n", ChatTemplate.Render([("user", "hi")], addGenerationPrompt: false, enableThinking: false));

    [Fact]
    public void Render_MultiLineContent_IsKeptVerbatim()
        => Assert.Equal(
            "<|im_start|>user\nline 1\n\nline 2\n<|im_end|>\n<|im_start|>assistant\n",
            ChatTemplate.Render([("user", "line 1\n\nline 2\n")]));

    [Fact]
    public void Render_UnknownRole_Throws()
        => Assert.Throws<ArgumentException>(() => ChatTemplate.Render([("tool", "{}")]));
}
