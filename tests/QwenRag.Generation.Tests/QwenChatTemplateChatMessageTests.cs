using System.ComponentModel;
using System.Text.Json;
using Microsoft.Extensions.AI;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests;

/// <summary>Microsoft.Extensions.AI messages and tools render as their Hugging Face equivalents in the fixture cases.</summary>
public sealed class QwenChatTemplateChatMessageTests
{
    private static readonly QwenChatTemplate Qwen3 = QwenChatTemplate.ForFamily(QwenChatFamily.Qwen3);

    [Fact]
    public void SeveralCallsAndResults_RenderAsTheHuggingFaceCase()
    {
        var (_, tools, _, _) = ChatTemplateCases.Case("several_calls_several_responses");
        ChatMessage[] messages =
        [
            new(ChatRole.System, "Use tools."),
            new(ChatRole.User, "Compare Paris and Oslo."),
            new(ChatRole.Assistant,
            [
                new TextContent("I will look both up."),
                new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" }),
                new FunctionCallContent("c2", "get_weather", new Dictionary<string, object?> { ["city"] = "Oslo" }),
                new FunctionCallContent("c3", "search", new Dictionary<string, object?> { ["query"] = "climate", ["top"] = 3 }),
            ]),
            // Two results in one message and one in the next: all three are consecutive tool messages.
            new(ChatRole.Tool, [new FunctionResultContent("c1", "Paris: 18 °C"), new FunctionResultContent("c2", "Oslo: 4 °C")]),
            new(ChatRole.Tool, [new FunctionResultContent("c3", "no passages")]),
        ];

        var text = Qwen3.Render(TemplateInput.FromChatMessages(messages), tools, addGenerationPrompt: true, enableThinking: false);

        Assert.Equal(ChatTemplateCases.Expected("qwen3")["several_calls_several_responses"], text);
    }

    [Fact]
    public void FunctionDeclarationAndNestedArguments_RenderAsTheHuggingFaceCase()
    {
        var (cases, tools, _, _) = ChatTemplateCases.Case("one_call_one_response");
        var weather = tools![0].GetProperty("function");
        var declaration = AIFunctionFactory.CreateDeclaration(
            weather.GetProperty("name").GetString()!, weather.GetProperty("description").GetString(), weather.GetProperty("parameters"));
        var arguments = new Dictionary<string, object?>
        {
            ["unit"] = "celsius",
            ["city"] = "Zürich <CH> & co",
            ["days"] = new[] { 1, 2 },
            ["detail"] = new Dictionary<string, object?> { ["z"] = true, ["a"] = null },
        };
        ChatMessage[] messages =
        [
            new(ChatRole.User, cases[0].Content),
            new(ChatRole.Assistant, [new FunctionCallContent("call-1", "get_weather", arguments)]),
            new(ChatRole.Tool, [new FunctionResultContent("call-1", JsonDocument.Parse("""{"temp": 21, "sky": "clear"}""").RootElement)]),
        ];

        foreach (var family in new[] { "qwen3", "qwen2_5" })
        {
            var template = QwenChatTemplate.ForFamily(ChatTemplateCases.Family(family));
            var text = template.Render(messages, [declaration], addGenerationPrompt: true, enableThinking: null);

            Assert.Equal(ChatTemplateCases.Expected(family)["one_call_one_response"], text);
        }
    }

    [Fact]
    public void ReasoningContent_RendersAsTheHuggingFaceCase()
    {
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Q1"),
            new(ChatRole.Assistant, [new TextReasoningContent("old thoughts"), new TextContent("A1")]),
            new(ChatRole.User, "Q2"),
            new(ChatRole.Assistant, [new TextReasoningContent("\nnew thoughts\n"), new TextContent("\nA2")]),
        ];

        Assert.Equal(ChatTemplateCases.Expected("qwen3")["reasoning_content_field"], Qwen3.Render(messages, null, addGenerationPrompt: false, enableThinking: null));
    }

    [Fact]
    public void AIFunctionFromDelegate_ToolBlockHasTheHuggingFaceShape()
    {
        var function = AIFunctionFactory.Create(
            ([Description("The city")] string city, int days = 1) => $"{city}: {days}", "get_forecast", "Forecast for a city");

        var text = Qwen3.Render([new ChatMessage(ChatRole.User, "hi")], [function], addGenerationPrompt: true, enableThinking: false);

        Assert.Contains(
            "<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_forecast\", \"description\": \"Forecast for a city\", \"parameters\": {",
            text,
            StringComparison.Ordinal);
        Assert.Contains("\"city\": {\"description\": \"The city\", \"type\": \"string\"}", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Image_Refused()
    {
        ChatMessage[] messages = [new(ChatRole.User, [new DataContent(new byte[] { 1, 2, 3 }, "image/png")])];

        Assert.Throws<ArgumentException>(() => Qwen3.Render(messages, null, true, null));
    }

    [Fact]
    public void NonFunctionTool_Refused()
    {
        ChatMessage[] messages = [new(ChatRole.User, "hi")];

        Assert.Throws<ArgumentException>(() => Qwen3.Render(messages, [new HostedWebSearchTool()], true, null));
    }
}
