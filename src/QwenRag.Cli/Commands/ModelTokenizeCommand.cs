using System.CommandLine;
using System.Text;
using System.Text.Json;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag model tokenize</c>: text encoded with the Qwen tokenizer, one line of ids per input line.</summary>
internal sealed class ModelTokenizeCommand : Command
{
    private readonly Option<string> _tokenizer = new("--tokenizer") { Description = "Folder with tokenizer.json (a checkpoint or a 'model build' output)", Required = true };
    private readonly Option<string?> _input = new("--input") { Description = "JSON lines file of {\"text\": ...} (default: stdin)" };
    private readonly Option<bool> _json = CliOptions.Json();

    public ModelTokenizeCommand()
        : base("tokenize", "Encode text with the Qwen tokenizer, one line of ids per input line; no special tokens are added")
    {
        Options.Add(_tokenizer);
        Options.Add(_input);
        Options.Add(_json);
        SetAction(Run);
    }

    private int Run(ParseResult parse)
    {
        var qwen = QwenTokenizer.Load(parse.GetValue(_tokenizer)!);
        var path = parse.GetValue(_input);
        using var reader = path is null
            ? new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
            : new StreamReader(path, Encoding.UTF8);
        var asJson = parse.GetValue(_json);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var ids = qwen.Encode(ReadText(line, path ?? "stdin", lineNumber));
            if (asJson)
            {
                JsonOutput.Write(new { ids });
            }
            else
            {
                Console.WriteLine(string.Join(' ', ids));
            }
        }

        return 0;
    }

    private static string ReadText(string line, string source, int lineNumber)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("text", out var text)
                && text.ValueKind == JsonValueKind.String)
            {
                return text.GetString()!;
            }
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{source} line {lineNumber}: not JSON ({ex.Message}).", ex);
        }

        throw new InvalidDataException($"{source} line {lineNumber}: expected an object with a string \"text\".");
    }
}
