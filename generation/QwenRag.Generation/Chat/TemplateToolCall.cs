using System.Text.Json;

namespace QwenRag.Generation.Chat;

/// <summary>
/// One function call of an assistant turn, as Hugging Face's message shape carries it
/// (<c>{"type": "function", "function": {"name": ..., "arguments": ...}}</c>).
/// </summary>
/// <param name="Name">The function's name, written into the prompt as is.</param>
/// <param name="Arguments">
/// A JSON object (written as Python's json.dumps writes it, key order kept), or a JSON string holding the arguments'
/// text: Qwen3's template writes that text as is, Qwen2.5's writes it as a JSON string literal (so pass objects).
/// </param>
public sealed record TemplateToolCall(string Name, JsonElement Arguments)
{
    /// <summary>
    /// Reads a call in Hugging Face's shape, or the flat <c>{"name", "arguments"}</c> shape both templates also take.
    /// </summary>
    /// <param name="call">The call's JSON.</param>
    /// <param name="path">Where the call is, for error messages (e.g. <c>messages[2].tool_calls[0]</c>).</param>
    /// <exception cref="FormatException">The call is not an object with a string name and object or string arguments.</exception>
    public static TemplateToolCall FromJson(JsonElement call, string path = "tool_call")
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            throw new FormatException($"{path} must be an object.");
        }

        var function = call;
        if (call.TryGetProperty("function", out var inner))
        {
            if (inner.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{path}.function must be an object.");
            }

            function = inner;
            path += ".function";
        }

        if (!function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String || string.IsNullOrEmpty(name.GetString()))
        {
            throw new FormatException($"{path} needs a string \"name\".");
        }

        if (!function.TryGetProperty("arguments", out var arguments)
            || arguments.ValueKind is not (JsonValueKind.Object or JsonValueKind.String))
        {
            throw new FormatException($"{path} needs \"arguments\": an object, or a string holding one.");
        }

        return new TemplateToolCall(name.GetString()!, arguments.Clone());
    }
}
