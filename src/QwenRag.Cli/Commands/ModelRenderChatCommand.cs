using System.CommandLine;
using System.Text;
using System.Text.Json;
using QwenRag.Generation.Chat;

namespace QwenRag.Cli.Commands;

/// <summary>
/// <c>qwenrag model render-chat</c>: the prompt text the model is fed for each conversation of a JSON lines file, as
/// the folder's chat template renders it (<see cref="QwenChatTemplate"/>). A line is
/// <c>{"messages": [...], "tools": [...], "add_generation_prompt": bool, "enable_thinking": bool}</c> in Hugging Face's
/// message shape; tools, add_generation_prompt (default false, as in transformers) and enable_thinking are optional.
/// The first bad line stops the command with one error naming it.
/// </summary>
internal sealed class ModelRenderChatCommand : Command
{
    /// <summary>Longest input line accepted, in characters.</summary>
    internal const int MaxLineLength = 1 << 20;

    /// <summary>Most conversations one run renders.</summary>
    internal const int MaxLines = 10_000;

    private readonly Option<string> _tokenizer = new("--tokenizer") { Description = "Model folder with tokenizer_config.json and config.json (a checkpoint or a 'model build' output)", Required = true };
    private readonly Option<string?> _input = new("--input") { Description = "JSON lines file of {\"messages\": [...], \"tools\": [...], \"add_generation_prompt\": bool, \"enable_thinking\": bool} (default: stdin)" };
    private readonly Option<bool> _json = CliOptions.Json();

    public ModelRenderChatCommand()
        : base("render-chat", "Render conversations with the model folder's chat template (Qwen3, Qwen2.5, Qwen2 or ChatML), one result per input line")
    {
        Options.Add(_tokenizer);
        Options.Add(_input);
        Options.Add(_json);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var template = QwenChatTemplate.ForModelDirectory(parse.GetValue(_tokenizer)!);
        var path = parse.GetValue(_input);
        using var reader = path is null
            ? new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
            : new StreamReader(path, Encoding.UTF8);
        var source = path ?? "stdin";
        var asJson = parse.GetValue(_json);
        var lineNumber = 0;
        var rendered = 0;
        while (ReadBoundedLine(reader, source, lineNumber + 1) is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            if (++rendered > MaxLines)
            {
                throw new InvalidDataException($"{source} holds more than {MaxLines} conversations; split it.");
            }

            var text = Render(template, line, source, lineNumber);
            if (asJson)
            {
                JsonOutput.Write(new { text });
            }
            else
            {
                Console.Out.Write(text);
                Console.Out.WriteLine();
            }
        }

        return 0;
    }

    private static string Render(QwenChatTemplate template, string line, string source, int lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException("expected an object with \"messages\"");
            }

            if (!root.TryGetProperty("messages", out var messagesValue) || messagesValue.ValueKind != JsonValueKind.Array)
            {
                throw new FormatException("\"messages\" must be an array");
            }

            var messages = new List<TemplateMessage>();
            foreach (var message in messagesValue.EnumerateArray())
            {
                messages.Add(TemplateMessage.FromJson(message, $"messages[{messages.Count}]"));
            }

            List<JsonElement>? tools = null;
            if (root.TryGetProperty("tools", out var toolsValue) && toolsValue.ValueKind != JsonValueKind.Null)
            {
                tools = toolsValue.ValueKind == JsonValueKind.Array
                    ? [.. toolsValue.EnumerateArray()]
                    : throw new FormatException("\"tools\" must be an array");
            }

            var addGenerationPrompt = OptionalBool(root, "add_generation_prompt") ?? false;
            var enableThinking = OptionalBool(root, "enable_thinking");
            return template.Render(messages, tools, addGenerationPrompt, enableThinking);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} line {lineNumber}: not JSON ({ex.Message}).", ex);
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidDataException($"{source} line {lineNumber}: {ex.Message.TrimEnd('.')}.", ex);
        }
    }

    private static bool? OptionalBool(JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new FormatException($"\"{key}\" must be true or false"),
        };
    }

    /// <summary>One line without its end, refusing lines over <see cref="MaxLineLength"/> before holding them whole.</summary>
    private static string? ReadBoundedLine(StreamReader reader, string source, int lineNumber)
    {
        var line = new StringBuilder();
        while (true)
        {
            var next = reader.Read();
            if (next < 0)
            {
                return line.Length == 0 ? null : line.ToString();
            }

            if (next == '\n')
            {
                return line.ToString().TrimEnd('\r');
            }

            if (line.Length >= MaxLineLength)
            {
                throw new InvalidDataException($"{source} line {lineNumber} is longer than {MaxLineLength} characters.");
            }

            line.Append((char)next);
        }
    }
}
