using System.Text.Json;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests;

/// <summary>
/// The renderer against the official Qwen3, Qwen2.5 and Qwen2 chat templates: every case of ChatTemplates/cases.jsonl
/// rendered byte for byte as transformers + jinja2 rendered it (expected-*.jsonl, generated once by generate.py).
/// </summary>
public sealed class QwenChatTemplateTests
{
    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var family in new[] { "qwen3", "qwen2_5", "qwen2" })
        {
            foreach (var name in ChatTemplateCases.Expected(family).Keys)
            {
                data.Add(family, name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Render_Case_EqualsTheOfficialTemplatesOutput(string family, string name)
    {
        var template = QwenChatTemplate.ForFamily(ChatTemplateCases.Family(family));
        var (messages, tools, addGenerationPrompt, enableThinking) = ChatTemplateCases.Case(name);
        var expected = ChatTemplateCases.Expected(family)[name];

        if (expected is null)
        {
            var refusal = Assert.Throws<ArgumentException>(() => template.Render(messages, tools, addGenerationPrompt, enableThinking));
            Assert.Contains("no tool calling", refusal.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(expected, template.Render(messages, tools, addGenerationPrompt, enableThinking));
        }
    }

    [Fact]
    public void Cases_CoverWhatTheTemplatesBranchOn()
    {
        // Guards the fixture itself: the byte-for-byte theory is only as good as the cases it runs.
        var expected = ChatTemplateCases.Expected("qwen3");
        Assert.True(expected.Count >= 15);
        Assert.Contains(expected.Values, text => text!.Contains("<tool_response>\nParis: 18 °C\n</tool_response>\n<tool_response>", StringComparison.Ordinal));
        Assert.Contains(expected.Values, text => text!.EndsWith(QwenChatTemplate.EmptyThinking, StringComparison.Ordinal));
        Assert.Contains(expected.Values, text => text!.Contains("<think>\nreasoning two\n</think>", StringComparison.Ordinal));
        Assert.Contains(ChatTemplateCases.Expected("qwen2_5").Values, text => text!.Contains("\"arguments\": \"{\\\"city\\\"", StringComparison.Ordinal));
        Assert.Contains(ChatTemplateCases.Expected("qwen2").Values, text => text is null);
    }

    [Fact]
    public void Render_NoMessages_Refused()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.Qwen3);

        Assert.Throws<ArgumentException>(() => template.Render(Array.Empty<TemplateMessage>(), null, true, null));
    }

    [Fact]
    public void Render_UnknownRole_RefusedNamingIt()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.Qwen25);

        var error = Assert.Throws<ArgumentException>(() => template.Render([new TemplateMessage("developer", "x")], null, false, null));
        Assert.Contains("'developer'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_ToolCallsOnAUserTurn_Refused()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.Qwen3);
        using var arguments = JsonDocument.Parse("{}");

        var error = Assert.Throws<ArgumentException>(() => template.Render(
            [new TemplateMessage("user", "hi", [new TemplateToolCall("f", arguments.RootElement)])], null, true, null));
        Assert.Contains("only assistant turns call tools", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ChatMl_RendersTurnsWithoutDefaultSystemPrompt()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.ChatML);

        var text = template.Render([new TemplateMessage("user", "hi"), new TemplateMessage("assistant", null)], null, addGenerationPrompt: true, enableThinking: false);

        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n<|im_end|>\n<|im_start|>assistant\n", text);
    }

    [Fact]
    public void ChatMl_ToolsToolCallsOrToolResults_RefusedClearly()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.ChatML);
        using var tool = JsonDocument.Parse("""{"type": "function", "function": {"name": "f"}}""");
        using var arguments = JsonDocument.Parse("{}");
        TemplateMessage[] user = [new("user", "hi")];

        var tools = Assert.Throws<ArgumentException>(() => template.Render(user, [tool.RootElement], true, null));
        var calls = Assert.Throws<ArgumentException>(() => template.Render(
            [.. user, new TemplateMessage("assistant", "", [new TemplateToolCall("f", arguments.RootElement)])], null, true, null));
        var results = Assert.Throws<ArgumentException>(() => template.Render([.. user, new TemplateMessage("tool", "42")], null, true, null));

        Assert.Contains("carries tools", tools.Message, StringComparison.Ordinal);
        Assert.Contains("carries tool calls", calls.Message, StringComparison.Ordinal);
        Assert.Contains("carries tool results", results.Message, StringComparison.Ordinal);
        Assert.Contains("no tool calling", tools.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Render_EmptyToolsList_IsNoTools()
    {
        var template = QwenChatTemplate.ForFamily(QwenChatFamily.ChatML);

        Assert.Equal("<|im_start|>user\nhi<|im_end|>\n", template.Render([new TemplateMessage("user", "hi")], [], false, null));
    }
}
