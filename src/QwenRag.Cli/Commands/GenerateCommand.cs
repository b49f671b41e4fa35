using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using QwenRag.Generation.Chat;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Cli.Commands;

/// <summary>Generates tokens from a model folder: a chat prompt through the template, or raw prompt token ids.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "Folder written by 'model build'", Required = true };
        var prompt = new Option<string?>("--prompt") { Description = "User message, rendered through the chat template (needs tokenizer.json in the model folder)" };
        var promptTokens = new Option<string?>("--prompt-tokens") { Description = "Comma-separated prompt token ids, used as they are, e.g. 1,2,3" };
        var maxTokens = new Option<int?>("--max-tokens") { Description = "Most new tokens (default 512, bounded by the context)" };
        var greedy = new Option<bool>("--greedy") { Description = "Always take the most likely token" };
        var temperature = new Option<float?>("--temperature") { Description = "Sampling temperature (0 is greedy; default 0.7)" };
        var topP = new Option<float?>("--top-p") { Description = "Nucleus sampling mass (default 0.8)" };
        var topK = new Option<int?>("--top-k") { Description = "Keep the K most likely tokens, 0 keeps all (default 20)" };
        var seed = new Option<int?>("--seed") { Description = "Seed for reproducible sampling" };
        var json = CliOptions.Json();
        var device = CliOptions.Device();
        var command = new Command("generate", "Generate text (or token ids) with an ONNX Qwen model")
        {
            model, prompt, promptTokens, maxTokens, greedy, temperature, topP, topK, seed, json, device,
        };
        command.Validators.Add(result =>
        {
            if ((result.GetValue(prompt) is null) == (result.GetValue(promptTokens) is null))
            {
                result.AddError("Give exactly one of --prompt and --prompt-tokens.");
            }
        });
        command.SetAction((parse, cancellationToken) => Run(async () =>
        {
            var directory = parse.GetValue(model)!;
            using var loggers = CliContext.CreateLoggerFactory();
            using var onnx = new QwenOnnxModel(
                directory, new QwenRuntimeOptions { Device = parse.GetValue(device) }, loggers.CreateLogger<QwenOnnxModel>());
            var tokenizer = QwenTokenizer.Exists(directory) ? QwenTokenizer.Load(directory) : null;
            var chatOptions = new ChatOptions
            {
                MaxOutputTokens = parse.GetValue(maxTokens),
                Temperature = parse.GetValue(greedy) ? 0 : parse.GetValue(temperature),
                TopP = parse.GetValue(topP),
                TopK = parse.GetValue(topK),
                Seed = parse.GetValue(seed),
            };

            IReadOnlyList<int> ids;
            SamplingOptions sampling;
            if (parse.GetValue(prompt) is { } text)
            {
                if (tokenizer is null)
                {
                    throw new ArgumentException($"--prompt needs tokenizer.json in {directory}; use --prompt-tokens for a model without one.");
                }

                using var client = new QwenChatClient(onnx, tokenizer);
                ids = tokenizer.Encode(client.RenderPrompt([new ChatMessage(ChatRole.User, text)]));
                sampling = client.ToSamplingOptions(chatOptions, ids.Count);
            }
            else
            {
                ids = ParseTokens(parse.GetValue(promptTokens)!);
                var stops = new List<int>();
                if (tokenizer?.TokenId(ChatTemplate.ImEnd) is { } imEnd)
                {
                    stops.Add(imEnd);
                }

                var defaults = new SamplingOptions();
                sampling = new SamplingOptions
                {
                    Temperature = chatOptions.Temperature ?? defaults.Temperature,
                    Greedy = chatOptions.Temperature == 0,
                    TopP = chatOptions.TopP ?? defaults.TopP,
                    TopK = chatOptions.TopK ?? defaults.TopK,
                    Seed = parse.GetValue(seed),
                    MaxNewTokens = chatOptions.MaxOutputTokens ?? Math.Clamp(onnx.ContextLength - ids.Count, 1, defaults.MaxNewTokens),
                    StopTokenIds = stops,
                };
            }

            var asJson = parse.GetValue(json);
            var decoder = tokenizer?.CreateStreamingDecoder(skipSpecialTokens: true);
            var generated = new List<int>();
            await foreach (var token in new TokenGenerator(onnx).GenerateAsync(ids, sampling, cancellationToken).ConfigureAwait(false))
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
        }));
        return command;
    }

    private static int[] ParseTokens(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException("--prompt-tokens needs at least one token id.");
        }

        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
            {
                throw new ArgumentException($"--prompt-tokens: '{parts[i]}' is not a token id.");
            }
        }

        return ids;
    }

    private static async Task<int> Run(Func<Task<int>> action)
    {
        try
        {
            return await action().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is ArgumentException or CheckpointException or IOException or InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or InvalidOperationException)
        {
            return CommandErrors.Report(ex.Message);
        }
    }
}
