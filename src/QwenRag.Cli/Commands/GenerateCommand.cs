using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QwenRag.Generation.Chat;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Cli.Commands;

/// <summary>
/// Generates tokens from a model folder through <see cref="QwenChatClient"/>: a chat prompt through the template, or
/// raw prompt token ids (which need no tokenizer).
/// </summary>
internal sealed class GenerateCommand : Command
{
    private readonly Option<string> _model = new("--model") { Description = "Folder written by 'model build'", Required = true };
    private readonly Option<string?> _prompt = new("--prompt") { Description = "User message, rendered through the chat template (needs tokenizer.json in the model folder)" };
    private readonly Option<string?> _promptTokens = new("--prompt-tokens") { Description = "Comma-separated prompt token ids, used as they are, e.g. 1,2,3" };
    private readonly Option<int?> _maxTokens = new("--max-tokens") { Description = "Most new tokens (default 512, bounded by the context)" };
    private readonly Option<bool> _greedy = new("--greedy") { Description = "Always take the most likely token" };
    private readonly Option<float?> _temperature = new("--temperature") { Description = "Sampling temperature (0 is greedy; default 0.7)" };
    private readonly Option<float?> _topP = new("--top-p") { Description = "Nucleus sampling mass (default 0.8)" };
    private readonly Option<int?> _topK = new("--top-k") { Description = "Keep the K most likely tokens, 0 keeps all (default 20)" };
    private readonly Option<int?> _seed = new("--seed") { Description = "Seed for reproducible sampling" };
    private readonly Option<bool> _json = CliOptions.Json();
    private readonly Option<ExecutionDevice> _device = CliOptions.Device();

    public GenerateCommand()
        : base("generate", "Generate text (or token ids) with an ONNX Qwen model")
    {
        Options.Add(_model);
        Options.Add(_prompt);
        Options.Add(_promptTokens);
        Options.Add(_maxTokens);
        Options.Add(_greedy);
        Options.Add(_temperature);
        Options.Add(_topP);
        Options.Add(_topK);
        Options.Add(_seed);
        Options.Add(_json);
        Options.Add(_device);
        Validators.Add(result =>
        {
            if ((result.GetValue(_prompt) is null) == (result.GetValue(_promptTokens) is null))
            {
                result.AddError("Give exactly one of --prompt and --prompt-tokens.");
            }
        });
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var directory = parse.GetValue(_model)!;
        using var loggers = CliContext.CreateLoggerFactory();
        using var onnx = new QwenOnnxModel(
            directory, new QwenRuntimeOptions { Device = parse.GetValue(_device) }, loggers.CreateLogger<QwenOnnxModel>());
        var tokenizer = QwenTokenizer.Exists(directory) ? QwenTokenizer.Load(directory) : null;
        var chatOptions = new ChatOptions
        {
            MaxOutputTokens = parse.GetValue(_maxTokens),
            Temperature = parse.GetValue(_greedy) ? 0 : parse.GetValue(_temperature),
            TopP = parse.GetValue(_topP),
            TopK = parse.GetValue(_topK),
            Seed = parse.GetValue(_seed),
        };

        // One request: one KV slot.
        using var client = new QwenChatClient(onnx, tokenizer, scheduling: new GenerationSchedulerOptions { MaxBatch = 1 });
        IReadOnlyList<int> ids;
        if (parse.GetValue(_prompt) is { } text)
        {
            if (tokenizer is null)
            {
                throw new CommandFailedException($"--prompt needs tokenizer.json in {directory}; use --prompt-tokens for a model without one.");
            }

            ids = tokenizer.Encode(client.RenderPrompt([new ChatMessage(ChatRole.User, text)]));
        }
        else
        {
            ids = TokenIdList.Parse(parse.GetValue(_promptTokens)!, "--prompt-tokens");
        }

        var asJson = parse.GetValue(_json);
        var decoder = tokenizer?.CreateStreamingDecoder(skipSpecialTokens: true);
        var generated = new List<int>();
        await foreach (var token in client.GenerateTokensAsync(ids, chatOptions, cancellationToken).ConfigureAwait(false))
        {
            generated.Add(token);
            if (!asJson)
            {
                Console.Write(decoder is null ? token.ToString(CultureInfo.InvariantCulture) + " " : decoder.Push(token));
            }
        }

        if (asJson)
        {
            JsonOutput.Write(new { tokens = generated, text = tokenizer?.Decode(generated, skipSpecialTokens: true) });
        }
        else
        {
            Console.WriteLine(decoder?.Flush() ?? string.Empty);
        }

        return 0;
    }
}
