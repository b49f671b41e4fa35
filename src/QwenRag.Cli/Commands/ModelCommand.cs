using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Onnx;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Cli.Commands;

/// <summary>Writes tiny random Qwen checkpoints, builds ONNX models from checkpoints, prints logits, and tokenizes text.</summary>
internal static class ModelCommand
{
    public static Command Create()
    {
        var command = new Command("model", "Qwen checkpoints and their ONNX models");
        command.Subcommands.Add(Tiny());
        command.Subcommands.Add(Build());
        command.Subcommands.Add(Logits());
        command.Subcommands.Add(Tokenize());
        return command;
    }

    private static Command Tiny()
    {
        var output = new Option<string>("--out") { Description = "Folder to write the checkpoint to", Required = true };
        var arch = new Option<string>("--arch") { Description = "qwen2 or qwen3", DefaultValueFactory = _ => "qwen2" };
        arch.AcceptOnlyFromAmong("qwen2", "qwen3");
        var layers = new Option<int>("--layers") { Description = "Decoder layers", DefaultValueFactory = _ => 2 };
        var hidden = new Option<int>("--hidden") { Description = "Hidden size", DefaultValueFactory = _ => 64 };
        var heads = new Option<int>("--heads") { Description = "Attention heads", DefaultValueFactory = _ => 4 };
        var kvHeads = new Option<int>("--kv-heads") { Description = "Key/value heads", DefaultValueFactory = _ => 2 };
        var headDim = new Option<int?>("--head-dim") { Description = "Head size (default hidden / heads)" };
        var intermediate = new Option<int>("--intermediate") { Description = "MLP size", DefaultValueFactory = _ => 128 };
        var vocab = new Option<int>("--vocab") { Description = "Vocabulary size", DefaultValueFactory = _ => 256 };
        var rope = new Option<string>("--rope") { Description = "default, linear, dynamic or yarn", DefaultValueFactory = _ => "default" };
        rope.AcceptOnlyFromAmong("default", "linear", "dynamic", "yarn");
        var factor = new Option<double>("--rope-factor") { Description = "RoPE scaling factor", DefaultValueFactory = _ => 2.0 };
        var originalMax = new Option<int?>("--original-max-positions") { Description = "original_max_position_embeddings (YaRN)" };
        var maxPositions = new Option<int?>("--max-positions") { Description = "max_position_embeddings" };
        var window = new Option<int?>("--window") { Description = "Sliding window (enables sliding-window attention)" };
        var maxWindowLayers = new Option<int?>("--max-window-layers") { Description = "Layers from this index on use the sliding window" };
        var tied = new Option<bool>("--tied") { Description = "Tie lm_head to the embedding" };
        var seed = new Option<int>("--seed") { Description = "Random seed", DefaultValueFactory = _ => 1 };
        var command = new Command("tiny", "Write a small random-weight Hugging Face Qwen checkpoint (safetensors + config.json)")
        {
            output, arch, layers, hidden, heads, kvHeads, headDim, intermediate, vocab, rope, factor, originalMax, maxPositions,
            window, maxWindowLayers, tied, seed,
        };
        command.SetAction(parse => Run(() =>
        {
            var ropeType = parse.GetValue(rope) switch
            {
                "linear" => RopeType.Linear,
                "dynamic" => RopeType.Dynamic,
                "yarn" => RopeType.Yarn,
                _ => RopeType.Default,
            };
            var scaling = ropeType == RopeType.Default
                ? RopeScaling.None
                : RopeScaling.None with { Type = ropeType, Factor = parse.GetValue(factor), OriginalMaxPositionEmbeddings = parse.GetValue(originalMax) };
            var options = new TinyCheckpointOptions
            {
                Architecture = parse.GetValue(arch) == "qwen3" ? QwenArchitecture.Qwen3 : QwenArchitecture.Qwen2,
                Layers = parse.GetValue(layers),
                Hidden = parse.GetValue(hidden),
                Heads = parse.GetValue(heads),
                KvHeads = parse.GetValue(kvHeads),
                HeadDim = parse.GetValue(headDim),
                Intermediate = parse.GetValue(intermediate),
                Vocab = parse.GetValue(vocab),
                RopeScaling = scaling,
                SlidingWindow = parse.GetValue(window),
                MaxWindowLayers = parse.GetValue(maxWindowLayers) ?? 0,
                Tied = parse.GetValue(tied),
                Seed = parse.GetValue(seed),
            };
            if (parse.GetValue(maxPositions) is int positions)
            {
                options = options with { MaxPositions = positions };
            }

            var directory = parse.GetValue(output)!;
            TinyCheckpoint.Write(directory, options);
            Console.Error.WriteLine($"wrote {directory}");
            return 0;
        }));
        return command;
    }

    private static Command Build()
    {
        var from = new Option<string>("--from") { Description = "Hugging Face checkpoint folder (config.json + *.safetensors)", Required = true };
        var output = new Option<string>("--out") { Description = "Folder for model.onnx, model.onnx.data and genai_config.json", Required = true };
        var dtype = new Option<string>("--dtype") { Description = "fp32, fp16 or int4", DefaultValueFactory = _ => "fp32" };
        dtype.AcceptOnlyFromAmong("fp32", "fp16", "int4");
        var genai = new Option<bool>("--genai-compatible")
        {
            Description = "Full-length KV caches on sliding-window layers too: onnxruntime-genai can run a window-sized cache only when " +
                "its max_length reaches the window (by default those layers get a window-sized cache whose memory does not grow with the context)",
        };
        var json = CliOptions.Json();
        var command = new Command("build", "Convert a Qwen2/Qwen3 checkpoint to an ONNX Runtime model") { from, output, dtype, genai, json };
        command.SetAction(parse => Run(() =>
        {
            var precision = parse.GetValue(dtype) switch
            {
                "fp16" => OnnxPrecision.Fp16,
                "int4" => OnnxPrecision.Int4,
                _ => OnnxPrecision.Fp32,
            };
            var result = QwenOnnxBuilder.Build(parse.GetValue(from)!, parse.GetValue(output)!, precision, windowedCache: !parse.GetValue(genai));
            using var process = Process.GetCurrentProcess();
            var peak = process.PeakWorkingSet64;
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new
                {
                    model = result.ModelPath,
                    data = result.DataPath,
                    modelBytes = result.ModelBytes,
                    dataBytes = result.DataBytes,
                    contextLength = result.ContextLength,
                    ropeTablesAreInputs = result.RopeTablesAreInputs,
                    windowCachedLayers = result.WindowCachedLayers,
                    seconds = result.Elapsed.TotalSeconds,
                    peakWorkingSetBytes = peak,
                });
                return 0;
            }

            Console.WriteLine($"wrote {result.ModelPath} ({result.ModelBytes:N0} bytes) and {result.DataPath} ({result.DataBytes:N0} bytes)");
            Console.WriteLine($"  {result.Elapsed.TotalSeconds:0.0} s, peak working set {peak / (1024 * 1024)} MiB, context {result.ContextLength}");
            if (result.RopeTablesAreInputs)
            {
                Console.WriteLine("  dynamic NTK RoPE: cos_cache/sin_cache are inputs supplied per step by QwenRag; onnxruntime-genai cannot run it");
            }

            if (result.WindowCachedLayers > 0)
            {
                Console.WriteLine($"  {result.WindowCachedLayers} sliding-window layers keep a window-sized KV cache " +
                    "(onnxruntime-genai runs it only with max_length >= the window; see --genai-compatible)");
            }

            return 0;
        }));
        return command;
    }

    private static Command Logits()
    {
        var model = new Option<string>("--model") { Description = "Folder written by 'model build'", Required = true };
        var tokens = new Option<string>("--tokens") { Description = "Comma-separated token ids, e.g. 1,2,3", Required = true };
        var prefill = new Option<int?>("--prefill") { Description = "Tokens in the first pass; the rest go one by one through the KV cache" };
        var json = CliOptions.Json();
        var command = new Command("logits", "Run the ONNX model and print the logits of every input position") { model, tokens, prefill, json };
        command.SetAction(parse => Run(() =>
        {
            var ids = ParseTokens(parse.GetValue(tokens)!);
            using var onnx = new QwenOnnxModel(parse.GetValue(model)!);
            var logits = onnx.Logits(ids, parse.GetValue(prefill));
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { logits });
                return 0;
            }

            for (var i = 0; i < logits.Length; i++)
            {
                var row = logits[i];
                var best = 0;
                for (var j = 1; j < row.Length; j++)
                {
                    if (row[j] > row[best])
                    {
                        best = j;
                    }
                }

                Console.WriteLine($"position {i} token {ids[i]}: argmax {best} ({row[best].ToString("0.0000", CultureInfo.InvariantCulture)})");
            }

            return 0;
        }));
        return command;
    }

    private static Command Tokenize()
    {
        var tokenizer = new Option<string>("--tokenizer") { Description = "Folder with tokenizer.json (a checkpoint or a 'model build' output)", Required = true };
        var input = new Option<string?>("--input") { Description = "JSON lines file of {\"text\": ...} (default: stdin)" };
        var json = CliOptions.Json();
        var command = new Command("tokenize", "Encode text with the Qwen tokenizer, one line of ids per input line; no special tokens are added")
        {
            tokenizer, input, json,
        };
        command.SetAction(parse => Run(() =>
        {
            var qwen = QwenTokenizer.Load(parse.GetValue(tokenizer)!);
            var path = parse.GetValue(input);
            using var reader = path is null
                ? new StreamReader(Console.OpenStandardInput(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false))
                : new StreamReader(path, Encoding.UTF8);
            var asJson = parse.GetValue(json);
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
        }));
        return command;
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

    private static int[] ParseTokens(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0)
        {
            throw new ArgumentException("--tokens needs at least one token id.");
        }

        var ids = new int[parts.Length];
        for (var i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out ids[i]) || ids[i] < 0)
            {
                throw new ArgumentException($"--tokens: '{parts[i]}' is not a token id.");
            }
        }

        return ids;
    }

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is ArgumentException or CheckpointException or IOException or InvalidDataException or Microsoft.ML.OnnxRuntime.OnnxRuntimeException or InvalidOperationException)
        {
            return CommandErrors.Report(ex.Message);
        }
    }
}
