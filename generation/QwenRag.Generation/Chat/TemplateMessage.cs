using System.Text.Json;

namespace QwenRag.Generation.Chat;

/// <summary>
/// One message in Hugging Face's chat shape, as <see cref="QwenChatTemplate"/> renders it.
/// </summary>
/// <param name="Role">system, user, assistant or tool (a function's result).</param>
/// <param name="Content">The text; null is rendered as "" (the templates themselves would fail or print "None").</param>
/// <param name="ToolCalls">An assistant turn's function calls, in order.</param>
/// <param name="ReasoningContent">
/// An assistant turn's thinking, for Qwen3 (which otherwise takes it from a &lt;think&gt;…&lt;/think&gt; prefix of
/// <paramref name="Content"/>); Qwen2.5's template ignores it.
/// </param>
public sealed record TemplateMessage(
    string Role,
    string? Content,
    IReadOnlyList<TemplateToolCall>? ToolCalls = null,
    string? ReasoningContent = null)
{
    public const string System = "system";
    public const string User = "user";
    public const string Assistant = "assistant";
    public const string Tool = "tool";

    /// <summary>Reads <c>{"role", "content", "tool_calls", "reasoning_content"}</c>; other keys are ignored.</summary>
    /// <param name="message">The message's JSON.</param>
    /// <param name="path">Where the message is, for error messages (e.g. <c>messages[2]</c>).</param>
    /// <exception cref="FormatException">A key holds the wrong kind of value, or the role is unknown.</exception>
    public static TemplateMessage FromJson(JsonElement message, string path = "message")
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path} must be an object.");
        }

        if (!message.TryGetProperty("role", out var roleValue) || roleValue.ValueKind != JsonValueKind.String)
        {
            throw new FormatException($"{path} needs a string \"role\".");
        }

        var role = roleValue.GetString()!;
        if (role is not (System or User or Assistant or Tool))
        {
            throw new FormatException($"{path}.role is '{role}'; expected system, user, assistant or tool.");
        }

        var content = OptionalString(message, "content", path);
        var reasoning = OptionalString(message, "reasoning_content", path);
        List<TemplateToolCall>? calls = null;
        if (message.TryGetProperty("tool_calls", out var callsValue) && callsValue.ValueKind != JsonValueKind.Null)
        {
            if (callsValue.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException($"{path}.tool_calls must be an array.");
            }

            if (role != Assistant && callsValue.GetArrayLength() > 0)
            {
                throw new FormatException($"{path} has tool_calls but role '{role}'; only assistant turns call tools.");
            }

            calls = [];
            foreach (var call in callsValue.EnumerateArray())
            {
                calls.Add(TemplateToolCall.FromJson(call, $"{path}.tool_calls[{calls.Count}]"));
            }
        }

        return new TemplateMessage(role, content, calls, reasoning);
    }

    private static string? OptionalString(JsonElement message, string key, string path)
    {
        if (!message.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw new FormatException($"{path}.{key} must be a string (content parts are not supported).");
    }
}
