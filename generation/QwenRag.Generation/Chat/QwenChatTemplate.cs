using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace QwenRag.Generation.Chat;

/// <summary>
/// The prompt text a Qwen model is fed for a conversation: exactly what Hugging Face transformers'
/// <c>apply_chat_template(messages, tools=..., add_generation_prompt=..., enable_thinking=..., tokenize=False)</c>
/// renders with the official chat template of the model's family — Qwen3 (tools, &lt;think&gt; blocks,
/// enable_thinking), Qwen2.5 (tools, default system prompt "You are Qwen, created by Alibaba Cloud. You are a helpful
/// assistant."), Qwen2 (default system prompt "You are a helpful assistant.", no tools) — or plain ChatML.
/// </summary>
/// <remarks>
/// <para>
/// The family of a model folder (<see cref="ForModelDirectory"/>) comes from its chat template (chat_template.jinja, as
/// newer transformers save it, else tokenizer_config.json's "chat_template"): one that mentions &lt;think&gt;,
/// enable_thinking or reasoning_content is Qwen3's; one with Qwen2.5's default system sentence is Qwen2.5's; Qwen2's
/// one-line template is Qwen2's. A template it does not recognise (a fine-tune's own, a later Qwen's) is not
/// interpreted: the family then comes from config.json's model_type (qwen3 and qwen3_moe → Qwen3; qwen2 and qwen2_moe
/// → Qwen2.5, the template Qwen2.5 models carry, since Qwen2 and Qwen2.5 share model_type qwen2), and with neither,
/// it is plain ChatML, which refuses requests that carry tools, tool calls or tool results with an
/// <see cref="ArgumentException"/> rather than inventing a tool format the model was not trained on. Qwen2 refuses
/// them the same way. <see cref="Reason"/> says which rule decided.
/// </para>
/// <para>
/// Deliberate differences from the templates, for input the templates cannot render: a null content is rendered as
/// "" (the templates fail or print "None"), and an empty conversation, an unknown role or (Qwen2, ChatML) tools are
/// refused with an <see cref="ArgumentException"/> (the templates would fail or silently drop them).
/// </para>
/// </remarks>
public sealed class QwenChatTemplate
{
    /// <summary>Qwen2.5's default system prompt.</summary>
    public const string Qwen25DefaultSystemPrompt = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    /// <summary>Qwen2's default system prompt.</summary>
    public const string Qwen2DefaultSystemPrompt = "You are a helpful assistant.";

    /// <summary>What Qwen3's template appends to the generation prompt when enable_thinking is false.</summary>
    public const string EmptyThinking = "<think>\n\n</think>\n\n";

    /// <summary>Qwen2-Instruct's chat_template, recognised by its exact text.</summary>
    internal const string Qwen2TemplateText =
        "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

    public const string ImStart = "<|im_start|>";
    public const string ImEnd = "<|im_end|>";

    private const string ToolsPreamble =
        "# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:\n<tools>";

    private const string ToolsPostamble =
        "\n</tools>\n\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n";

    private QwenChatTemplate(QwenChatFamily family, string reason)
    {
        Family = family;
        Reason = reason;
    }

    /// <summary>The template this instance renders.</summary>
    public QwenChatFamily Family { get; }

    /// <summary>Why this family was chosen (which file and rule), for logs and diagnostics.</summary>
    public string Reason { get; }

    /// <summary>Whether the family's template renders tools, tool calls and tool results (Qwen2.5 and Qwen3).</summary>
    public bool SupportsTools => Family is QwenChatFamily.Qwen25 or QwenChatFamily.Qwen3;

    /// <summary>The template of one family.</summary>
    public static QwenChatTemplate ForFamily(QwenChatFamily family) =>
        Enum.IsDefined(family)
            ? new QwenChatTemplate(family, $"chosen: {family}")
            : throw new ArgumentOutOfRangeException(nameof(family), family, "Unknown chat family.");

    /// <summary>
    /// The template of a model folder (a checkpoint or a QwenOnnxBuilder output), from its chat_template.jinja or
    /// tokenizer_config.json and its config.json; see the type's remarks for the rules. Missing files are fine.
    /// </summary>
    /// <exception cref="InvalidDataException">A file that exists is not valid JSON.</exception>
    public static QwenChatTemplate ForModelDirectory(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        if (!Directory.Exists(directory))
        {
            throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        }

        string? template = null;
        var templateSource = "chat_template.jinja";
        var jinja = Path.Combine(directory, "chat_template.jinja");
        if (File.Exists(jinja))
        {
            template = File.ReadAllText(jinja);
        }
        else
        {
            templateSource = "tokenizer_config.json";
            var tokenizerConfig = ReadJson(Path.Combine(directory, "tokenizer_config.json"));
            template = tokenizerConfig is { } config ? ChatTemplateText(config.RootElement) : null;
            tokenizerConfig?.Dispose();
        }

        string? modelType = null;
        using (var config = ReadJson(Path.Combine(directory, "config.json")))
        {
            if (config?.RootElement is { ValueKind: JsonValueKind.Object } root
                && root.TryGetProperty("model_type", out var type) && type.ValueKind == JsonValueKind.String)
            {
                modelType = type.GetString();
            }
        }

        return Detect(template, modelType, templateSource);
    }

    /// <summary>The family for a chat template's text and a config.json model_type (either may be null).</summary>
    public static QwenChatTemplate Detect(string? templateText, string? modelType, string templateSource = "chat template")
    {
        if (!string.IsNullOrWhiteSpace(templateText))
        {
            if (templateText.Contains("<think>", StringComparison.Ordinal)
                || templateText.Contains("enable_thinking", StringComparison.Ordinal)
                || templateText.Contains("reasoning_content", StringComparison.Ordinal))
            {
                return new QwenChatTemplate(QwenChatFamily.Qwen3, $"{templateSource}: the template has Qwen3's thinking markers");
            }

            if (templateText.Contains(Qwen25DefaultSystemPrompt, StringComparison.Ordinal))
            {
                return new QwenChatTemplate(QwenChatFamily.Qwen25, $"{templateSource}: the template has Qwen2.5's default system prompt");
            }

            if (string.Equals(templateText.Trim(), Qwen2TemplateText, StringComparison.Ordinal))
            {
                return new QwenChatTemplate(QwenChatFamily.Qwen2, $"{templateSource}: the template is Qwen2-Instruct's");
            }
        }

        var unrecognised = string.IsNullOrWhiteSpace(templateText) ? $"no chat template in {templateSource}" : $"the template in {templateSource} is not one this renderer knows";
        return modelType switch
        {
            "qwen3" or "qwen3_moe" => new QwenChatTemplate(QwenChatFamily.Qwen3, $"{unrecognised}; config.json model_type {modelType}"),
            "qwen2" or "qwen2_moe" => new QwenChatTemplate(QwenChatFamily.Qwen25, $"{unrecognised}; config.json model_type {modelType} (Qwen2.5's template)"),
            _ => new QwenChatTemplate(QwenChatFamily.ChatML, $"{unrecognised} and config.json names no Qwen model_type: plain ChatML without tools"),
        };
    }

    /// <summary>Renders messages in Hugging Face's shape.</summary>
    /// <param name="messages">The conversation; at least one message.</param>
    /// <param name="tools">Tool definitions, each rendered as given (usually <c>{"type": "function", "function": {...}}</c>); null or empty for none.</param>
    /// <param name="addGenerationPrompt">Open the assistant's turn after the last message (transformers' default is false).</param>
    /// <param name="enableThinking">Qwen3's switch: false appends an empty think block to the generation prompt; null leaves it undefined, as when transformers is not given it.</param>
    /// <exception cref="ArgumentException">The conversation is empty, or carries tools this family cannot render.</exception>
    public string Render(IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonElement>? tools, bool addGenerationPrompt, bool? enableThinking)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (messages.Count == 0)
        {
            throw new ArgumentException("The conversation has no messages.", nameof(messages));
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i] ?? throw new ArgumentException($"Message {i} is null.", nameof(messages));
            if (message.Role is not (TemplateMessage.System or TemplateMessage.User or TemplateMessage.Assistant or TemplateMessage.Tool))
            {
                throw new ArgumentException($"Message {i} has role '{message.Role}'; expected system, user, assistant or tool.", nameof(messages));
            }

            if (message.ToolCalls is { Count: > 0 } && message.Role != TemplateMessage.Assistant)
            {
                throw new ArgumentException($"Message {i} has tool calls but role '{message.Role}'; only assistant turns call tools.", nameof(messages));
            }
        }

        tools ??= [];
        if (!SupportsTools)
        {
            RefuseTools(messages, tools);
        }

        var text = new StringBuilder();
        switch (Family)
        {
            case QwenChatFamily.Qwen3:
                RenderQwen3(messages, tools, addGenerationPrompt, enableThinking, text);
                break;
            case QwenChatFamily.Qwen25:
                RenderQwen25(messages, tools, addGenerationPrompt, text);
                break;
            default:
                RenderChatMl(messages, addGenerationPrompt, Family == QwenChatFamily.Qwen2 ? Qwen2DefaultSystemPrompt : null, text);
                break;
        }

        return text.ToString();
    }

    /// <summary>
    /// Renders Microsoft.Extensions.AI messages: text, <see cref="TextReasoningContent"/> as reasoning_content,
    /// <see cref="FunctionCallContent"/> as tool_calls (arguments as an object, in the order given) and each
    /// <see cref="FunctionResultContent"/> as a tool message; tools that are <see cref="AIFunctionDeclaration"/>s
    /// become <c>{"type": "function", "function": {"name", "description", "parameters": JsonSchema}}</c>.
    /// </summary>
    /// <exception cref="ArgumentException">Images or other media, a tool that is not a function, or as the other overload.</exception>
    public string Render(IEnumerable<ChatMessage> messages, IList<AITool>? tools, bool addGenerationPrompt, bool? enableThinking)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return Render(TemplateInput.FromChatMessages(messages), tools is null ? null : TemplateInput.FromTools(tools), addGenerationPrompt, enableThinking);
    }

    private void RefuseTools(IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonElement> tools)
    {
        var what = tools.Count > 0 ? "tools"
            : messages.Any(m => m.ToolCalls is { Count: > 0 }) ? "tool calls"
            : messages.Any(m => m.Role == TemplateMessage.Tool) ? "tool results"
            : null;
        if (what is not null)
        {
            throw new ArgumentException(
                $"The request carries {what}, but this model's chat template ({Family}; {Reason}) has no tool calling; only Qwen2.5 and Qwen3 templates do.");
        }
    }

    private static void RenderQwen3(IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonElement> tools, bool addGenerationPrompt, bool? enableThinking, StringBuilder text)
    {
        var first = messages[0];
        if (tools.Count > 0)
        {
            text.Append(ImStart).Append("system\n");
            if (first.Role == TemplateMessage.System)
            {
                text.Append(Content(first)).Append("\n\n");
            }

            AppendTools(tools, text);
        }
        else if (first.Role == TemplateMessage.System)
        {
            text.Append(ImStart).Append("system\n").Append(Content(first)).Append(ImEnd).Append('\n');
        }

        // The last user turn that is a real query, not tool responses the client sent as a user turn.
        var lastQuery = messages.Count - 1;
        for (var i = messages.Count - 1; i >= 0; i--)
        {
            var content = Content(messages[i]);
            if (messages[i].Role == TemplateMessage.User
                && !(content.StartsWith("<tool_response>", StringComparison.Ordinal) && content.EndsWith("</tool_response>", StringComparison.Ordinal)))
            {
                lastQuery = i;
                break;
            }
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var last = i == messages.Count - 1;
            switch (message.Role)
            {
                case TemplateMessage.User:
                case TemplateMessage.System when i > 0:
                    text.Append(ImStart).Append(message.Role).Append('\n').Append(Content(message)).Append(ImEnd).Append('\n');
                    break;
                case TemplateMessage.Assistant:
                    var content = Content(message);
                    var reasoning = string.Empty;
                    if (message.ReasoningContent is not null)
                    {
                        reasoning = message.ReasoningContent;
                    }
                    else if (content.Contains("</think>", StringComparison.Ordinal))
                    {
                        var whole = content;
                        content = whole[(whole.LastIndexOf("</think>", StringComparison.Ordinal) + "</think>".Length)..].TrimStart('\n');
                        var before = whole[..whole.IndexOf("</think>", StringComparison.Ordinal)].TrimEnd('\n');
                        var open = before.LastIndexOf("<think>", StringComparison.Ordinal);
                        reasoning = (open < 0 ? before : before[(open + "<think>".Length)..]).TrimStart('\n');
                    }

                    text.Append(ImStart).Append("assistant\n");
                    if (i > lastQuery && (last || reasoning.Length > 0))
                    {
                        text.Append("<think>\n").Append(reasoning.Trim('\n')).Append("\n</think>\n\n").Append(content.TrimStart('\n'));
                    }
                    else
                    {
                        text.Append(content);
                    }

                    if (message.ToolCalls is { } calls)
                    {
                        for (var c = 0; c < calls.Count; c++)
                        {
                            if (c > 0 || content.Length > 0)
                            {
                                text.Append('\n');
                            }

                            text.Append("<tool_call>\n{\"name\": \"").Append(calls[c].Name).Append("\", \"arguments\": ");
                            if (calls[c].Arguments.ValueKind == JsonValueKind.String)
                            {
                                text.Append(calls[c].Arguments.GetString());
                            }
                            else
                            {
                                PythonJson.Write(calls[c].Arguments, text);
                            }

                            text.Append("}\n</tool_call>");
                        }
                    }

                    text.Append(ImEnd).Append('\n');
                    break;
                case TemplateMessage.Tool:
                    AppendToolResponse(messages, i, text);
                    break;
            }
        }

        if (addGenerationPrompt)
        {
            text.Append(ImStart).Append("assistant\n");
            if (enableThinking == false)
            {
                text.Append(EmptyThinking);
            }
        }
    }

    private static void RenderQwen25(IReadOnlyList<TemplateMessage> messages, IReadOnlyList<JsonElement> tools, bool addGenerationPrompt, StringBuilder text)
    {
        var first = messages[0];
        var system = first.Role == TemplateMessage.System ? Content(first) : Qwen25DefaultSystemPrompt;
        text.Append(ImStart).Append("system\n").Append(system);
        if (tools.Count > 0)
        {
            text.Append("\n\n");
            AppendTools(tools, text);
        }
        else
        {
            text.Append(ImEnd).Append('\n');
        }

        for (var i = 0; i < messages.Count; i++)
        {
            var message = messages[i];
            var hasCalls = message.ToolCalls is { Count: > 0 };
            if (message.Role == TemplateMessage.User
                || (message.Role == TemplateMessage.System && i > 0)
                || (message.Role == TemplateMessage.Assistant && !hasCalls))
            {
                text.Append(ImStart).Append(message.Role).Append('\n').Append(Content(message)).Append(ImEnd).Append('\n');
            }
            else if (message.Role == TemplateMessage.Assistant)
            {
                text.Append(ImStart).Append("assistant");
                if (Content(message).Length > 0)
                {
                    text.Append('\n').Append(Content(message));
                }

                foreach (var call in message.ToolCalls!)
                {
                    // Qwen2.5's template passes arguments through tojson whatever they are: a string becomes a JSON string.
                    text.Append("\n<tool_call>\n{\"name\": \"").Append(call.Name).Append("\", \"arguments\": ");
                    PythonJson.Write(call.Arguments, text);
                    text.Append("}\n</tool_call>");
                }

                text.Append(ImEnd).Append('\n');
            }
            else if (message.Role == TemplateMessage.Tool)
            {
                AppendToolResponse(messages, i, text);
            }
        }

        if (addGenerationPrompt)
        {
            text.Append(ImStart).Append("assistant\n");
        }
    }

    private static void RenderChatMl(IReadOnlyList<TemplateMessage> messages, bool addGenerationPrompt, string? defaultSystemPrompt, StringBuilder text)
    {
        if (defaultSystemPrompt is not null && messages[0].Role != TemplateMessage.System)
        {
            text.Append(ImStart).Append("system\n").Append(defaultSystemPrompt).Append(ImEnd).Append('\n');
        }

        foreach (var message in messages)
        {
            text.Append(ImStart).Append(message.Role).Append('\n').Append(Content(message)).Append(ImEnd).Append('\n');
        }

        if (addGenerationPrompt)
        {
            text.Append(ImStart).Append("assistant\n");
        }
    }

    private static void AppendTools(IReadOnlyList<JsonElement> tools, StringBuilder text)
    {
        text.Append(ToolsPreamble);
        foreach (var tool in tools)
        {
            text.Append('\n');
            PythonJson.Write(tool, text);
        }

        text.Append(ToolsPostamble);
    }

    /// <summary>Consecutive tool messages share one user turn of &lt;tool_response&gt; blocks.</summary>
    private static void AppendToolResponse(IReadOnlyList<TemplateMessage> messages, int i, StringBuilder text)
    {
        if (i == 0 || messages[i - 1].Role != TemplateMessage.Tool)
        {
            text.Append(ImStart).Append("user");
        }

        text.Append("\n<tool_response>\n").Append(Content(messages[i])).Append("\n</tool_response>");
        if (i == messages.Count - 1 || messages[i + 1].Role != TemplateMessage.Tool)
        {
            text.Append(ImEnd).Append('\n');
        }
    }

    private static string Content(TemplateMessage message) => message.Content ?? string.Empty;

    private static JsonDocument? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>tokenizer_config.json's chat_template: a string, or a list of named templates of which "default" is used.</summary>
    private static string? ChatTemplateText(JsonElement config)
    {
        if (config.ValueKind != JsonValueKind.Object || !config.TryGetProperty("chat_template", out var template))
        {
            return null;
        }

        if (template.ValueKind == JsonValueKind.String)
        {
            return template.GetString();
        }

        if (template.ValueKind == JsonValueKind.Array)
        {
            foreach (var named in template.EnumerateArray())
            {
                if (named.ValueKind == JsonValueKind.Object
                    && named.TryGetProperty("name", out var name) && name.ValueKind == JsonValueKind.String && name.GetString() == "default"
                    && named.TryGetProperty("template", out var text) && text.ValueKind == JsonValueKind.String)
                {
                    return text.GetString();
                }
            }
        }

        return null;
    }
}
