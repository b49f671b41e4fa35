using System.Text.Json;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Tests;

/// <summary>ChatTemplates/: the official template texts, the cases and the outputs transformers rendered for them.</summary>
internal static class ChatTemplateCases
{
    public static string Folder { get; } = Path.Combine(AppContext.BaseDirectory, "ChatTemplates");

    public static QwenChatFamily Family(string name) => name switch
    {
        "qwen3" => QwenChatFamily.Qwen3,
        "qwen2_5" => QwenChatFamily.Qwen25,
        "qwen2" => QwenChatFamily.Qwen2,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    public static string TemplateText(string family) => File.ReadAllText(Path.Combine(Folder, $"{family}.jinja"));

    /// <summary>Case name → the text the official template rendered, or null where the family refuses it.</summary>
    public static Dictionary<string, string?> Expected(string family)
    {
        var expected = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var line in Lines($"expected-{family}.jsonl"))
        {
            using var document = JsonDocument.Parse(line);
            var text = document.RootElement.GetProperty("text");
            expected.Add(document.RootElement.GetProperty("name").GetString()!, text.ValueKind == JsonValueKind.Null ? null : text.GetString());
        }

        return expected;
    }

    /// <summary>The raw line of a case, as <c>model render-chat</c> reads it.</summary>
    public static string CaseLine(string name) =>
        Lines("cases.jsonl").Single(line => JsonDocument.Parse(line).RootElement.GetProperty("name").GetString() == name);

    public static (List<TemplateMessage> Messages, List<JsonElement>? Tools, bool AddGenerationPrompt, bool? EnableThinking) Case(string name)
    {
        var root = JsonDocument.Parse(CaseLine(name)).RootElement;
        var messages = root.GetProperty("messages").EnumerateArray()
            .Select((message, i) => TemplateMessage.FromJson(message, $"messages[{i}]"))
            .ToList();
        List<JsonElement>? tools = root.TryGetProperty("tools", out var toolsValue) ? [.. toolsValue.EnumerateArray()] : null;
        var addGenerationPrompt = root.TryGetProperty("add_generation_prompt", out var agp) && agp.GetBoolean();
        bool? enableThinking = root.TryGetProperty("enable_thinking", out var thinking) ? thinking.GetBoolean() : null;
        return (messages, tools, addGenerationPrompt, enableThinking);
    }

    // Split on '\n' only: a case holds a raw U+2028, which is not a line end in JSON lines.
    private static IEnumerable<string> Lines(string file) =>
        File.ReadAllText(Path.Combine(Folder, file)).Split('\n').Where(line => !string.IsNullOrWhiteSpace(line));
}
