using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace QwenRag.Generation.Chat;

/// <summary>Microsoft.Extensions.AI messages and tools in the Hugging Face shape the chat templates take.</summary>
internal static class TemplateInput
{
    public static List<TemplateMessage> FromChatMessages(IEnumerable<ChatMessage> messages)
    {
        var result = new List<TemplateMessage>();
        var index = 0;
        foreach (var message in messages)
        {
            if (message is null)
            {
                throw new ArgumentException($"Message {index} is null.", nameof(messages));
            }

            var role = message.Role.Value;
            var text = new StringBuilder();
            StringBuilder? reasoning = null;
            var calls = new List<TemplateToolCall>();
            var results = new List<TemplateMessage>();
            foreach (var content in message.Contents)
            {
                switch (content)
                {
                    case TextContent plain:
                        text.Append(plain.Text);
                        break;
                    case TextReasoningContent thought:
                        (reasoning ??= new StringBuilder()).Append(thought.Text);
                        break;
                    case FunctionCallContent call:
                        calls.Add(new TemplateToolCall(call.Name, ArgumentsObject(call.Arguments)));
                        break;
                    case FunctionResultContent output:
                        results.Add(new TemplateMessage(TemplateMessage.Tool, ResultText(output.Result)));
                        break;
                    case DataContent or UriContent:
                        throw new ArgumentException($"Message {index} carries {content.GetType().Name}; the Qwen chat templates take text only.", nameof(messages));
                    default:
                        // Usage, errors and other bookkeeping content are not part of the prompt.
                        break;
                }
            }

            if (results.Count > 0)
            {
                if (role != TemplateMessage.Tool && (text.Length > 0 || calls.Count > 0))
                {
                    result.Add(new TemplateMessage(role, text.ToString(), calls, reasoning?.ToString()));
                }

                result.AddRange(results);
            }
            else
            {
                result.Add(new TemplateMessage(role, text.ToString(), calls.Count > 0 ? calls : null, reasoning?.ToString()));
            }

            index++;
        }

        return result;
    }

    public static List<JsonElement> FromTools(IList<AITool> tools)
    {
        var result = new List<JsonElement>(tools.Count);
        foreach (var tool in tools)
        {
            if (tool is not AIFunctionDeclaration function)
            {
                throw new ArgumentException($"Tool '{tool?.Name}' is a {tool?.GetType().Name ?? "null"}, not a function; the Qwen chat templates describe functions only.", nameof(tools));
            }

            using var buffer = new MemoryStream();
            using (var json = new Utf8JsonWriter(buffer))
            {
                // The shape transformers makes of a Python function (get_json_schema): name, description, parameters.
                json.WriteStartObject();
                json.WriteString("type", "function");
                json.WritePropertyName("function");
                json.WriteStartObject();
                json.WriteString("name", function.Name);
                json.WriteString("description", function.Description ?? string.Empty);
                json.WritePropertyName("parameters");
                function.JsonSchema.WriteTo(json);
                json.WriteEndObject();
                json.WriteEndObject();
            }

            using var document = JsonDocument.Parse(buffer.ToArray());
            result.Add(document.RootElement.Clone());
        }

        return result;
    }

    private static JsonElement ArgumentsObject(IDictionary<string, object?>? arguments) =>
        JsonSerializer.SerializeToElement(
            arguments ?? new Dictionary<string, object?>(),
            AIJsonUtilities.DefaultOptions.GetTypeInfo(typeof(IDictionary<string, object?>)));

    private static string ResultText(object? result) => result switch
    {
        null => string.Empty,
        string text => text,
        JsonElement { ValueKind: JsonValueKind.String } text => text.GetString()!,
        JsonElement json => json.GetRawText(),
        _ => JsonSerializer.Serialize(result, AIJsonUtilities.DefaultOptions.GetTypeInfo(result.GetType())),
    };
}
