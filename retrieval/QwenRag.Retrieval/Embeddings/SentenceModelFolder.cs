using System.Text.Json;
using Microsoft.ML.OnnxRuntime;

using QwenRag.Core.Models;

namespace QwenRag.Retrieval.Embeddings;

/// <summary>
/// Reads a sentence-transformers model folder, as exported for ONNX: <c>model.onnx</c> (or <c>onnx/model.onnx</c>),
/// <c>vocab.txt</c> or a WordPiece <c>tokenizer.json</c>, <c>modules.json</c> (a Normalize module means L2
/// normalisation), the pooling module's <c>config.json</c> (<c>1_Pooling/</c> unless modules.json names another path:
/// mean, CLS or last token), <c>sentence_bert_config.json</c> (max_seq_length; do_lower_case true lower-cases on top
/// of the tokenizer, as sentence-transformers does, while otherwise the tokenizer's own setting applies: tokenizer.json's
/// normaliser or tokenizer_config.json's do_lower_case, else lower-cased for a bare vocab.txt) and
/// <c>config_sentence_transformers.json</c> (prompts "query" and "document"/"passage" become the prefixes). Only
/// the ONNX file is required; the rest default to what sentence-transformers assumes (mean pooling, no
/// normalisation, 512 tokens, no prefixes). The model's id is the folder's name, so that a folder moved or mounted
/// elsewhere still matches the sets built with it.
/// </summary>
public static class SentenceModelFolder
{
    /// <summary>Largest JSON configuration file read.</summary>
    public const int MaxConfigBytes = 1024 * 1024;

    /// <summary>Largest ONNX file accepted (weights inside the file; external data files are not read).</summary>
    public const long MaxModelBytes = 2L * 1024 * 1024 * 1024;

    /// <summary>Longest window accepted from sentence_bert_config.json.</summary>
    public const int MaxSequenceLength = 8192;

    /// <summary>Longest prompt accepted as a prefix.</summary>
    public const int MaxPrefixLength = 1000;

    private const int MaxJsonDepth = 16;

    /// <summary>Whether <paramref name="folder"/> looks like a sentence-transformers ONNX folder (has its ONNX file).</summary>
    public static bool IsModelFolder(string folder) =>
        Directory.Exists(folder) && FindModelFile(folder) is not null;

    /// <summary>The model id a folder gets: the folder's own name.</summary>
    public static string IdOf(string folder) => ModelFolders.IdOf(folder);

    /// <exception cref="ArgumentException">A file is missing, too large or malformed (the message names it).</exception>
    public static SentenceEmbeddingModel Read(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        if (!Directory.Exists(folder))
        {
            throw new ArgumentException($"Embedding model folder '{folder}' does not exist.", nameof(folder));
        }

        var modelFile = FindModelFile(folder)
            ?? throw new ArgumentException($"Embedding model folder '{folder}' has no model.onnx (nor onnx/model.onnx).", nameof(folder));
        if (new FileInfo(modelFile).Length > MaxModelBytes)
        {
            throw new ArgumentException($"'{modelFile}' is larger than {MaxModelBytes / (1024 * 1024 * 1024)} GiB.", nameof(folder));
        }

        var (normalize, poolingPath) = ReadModules(folder);
        var pooling = ReadPooling(Path.Combine(folder, poolingPath, "config.json"));
        var (maxTokens, lowerCase) = ReadSentenceBertConfig(Path.Combine(folder, "sentence_bert_config.json"));
        lowerCase = lowerCase == true ? true : ReadTokenizerLowerCase(Path.Combine(folder, "tokenizer_config.json"));
        var (queryPrefix, documentPrefix) = ReadPrompts(Path.Combine(folder, "config_sentence_transformers.json"));

        // Read now, so that a bad vocabulary is reported before the model loads.
        var tokenizer = WordPieceTokenizers.FromFolder(folder, lowerCase);
        return new SentenceEmbeddingModel(
            IdOf(folder),
            options => new InferenceSession(modelFile, options),
            () => tokenizer,
            pooling,
            normalize,
            maxTokens,
            queryPrefix,
            documentPrefix);
    }

    private static string? FindModelFile(string folder)
    {
        foreach (var candidate in new[] { Path.Combine(folder, "model.onnx"), Path.Combine(folder, "onnx", "model.onnx") })
        {
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static (bool Normalize, string PoolingPath) ReadModules(string folder)
    {
        var path = Path.Combine(folder, "modules.json");
        using var document = ReadJson(path);
        if (document is null)
        {
            return (false, "1_Pooling");
        }

        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw Malformed(path, "it must be an array of modules");
        }

        var normalize = false;
        var poolingPath = "1_Pooling";
        foreach (var module in document.RootElement.EnumerateArray())
        {
            var type = module.ValueKind == JsonValueKind.Object && module.TryGetProperty("type", out var t) && t.ValueKind == JsonValueKind.String
                ? t.GetString()!
                : throw Malformed(path, "every module needs a \"type\" string");
            if (type.EndsWith(".Normalize", StringComparison.Ordinal))
            {
                normalize = true;
            }
            else if (type.EndsWith(".Pooling", StringComparison.Ordinal)
                && module.TryGetProperty("path", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } relative)
            {
                // The pooling folder must stay inside the model folder.
                if (Path.IsPathRooted(relative) || relative.Split('/', '\\').Contains(".."))
                {
                    throw Malformed(path, $"the pooling path '{relative}' leaves the model folder");
                }

                poolingPath = relative;
            }
        }

        return (normalize, poolingPath);
    }

    private static EmbeddingPooling ReadPooling(string path)
    {
        using var document = ReadJson(path);
        if (document is null)
        {
            return EmbeddingPooling.Mean;
        }

        var root = RequireObject(document, path);
        if (IsTrue(root, "pooling_mode_cls_token", path))
        {
            return EmbeddingPooling.Cls;
        }

        if (IsTrue(root, "pooling_mode_lasttoken", path))
        {
            return EmbeddingPooling.LastToken;
        }

        if (IsTrue(root, "pooling_mode_mean_tokens", path))
        {
            return EmbeddingPooling.Mean;
        }

        throw Malformed(path, "none of pooling_mode_mean_tokens, pooling_mode_cls_token, pooling_mode_lasttoken is true (other poolings are not supported)");
    }

    private static (int MaxTokens, bool? LowerCase) ReadSentenceBertConfig(string path)
    {
        using var document = ReadJson(path);
        if (document is null)
        {
            return (512, null);
        }

        var root = RequireObject(document, path);
        var maxTokens = 512;
        if (root.TryGetProperty("max_seq_length", out var max))
        {
            if (!max.TryGetInt32(out maxTokens) || maxTokens < 2 || maxTokens > MaxSequenceLength)
            {
                throw Malformed(path, $"max_seq_length must be a whole number from 2 to {MaxSequenceLength}");
            }
        }

        bool? lowerCase = null;
        if (root.TryGetProperty("do_lower_case", out var lower))
        {
            lowerCase = lower.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Malformed(path, "do_lower_case must be true or false"),
            };
        }

        return (maxTokens, lowerCase);
    }

    private static bool? ReadTokenizerLowerCase(string path)
    {
        using var document = ReadJson(path);
        if (document is null)
        {
            return null;
        }

        return RequireObject(document, path).TryGetProperty("do_lower_case", out var lower) ? lower.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Malformed(path, "do_lower_case must be true or false"),
        }
        : null;
    }

    private static (string Query, string Document) ReadPrompts(string path)
    {
        using var document = ReadJson(path);
        if (document is null)
        {
            return (string.Empty, string.Empty);
        }

        var root = RequireObject(document, path);
        if (!root.TryGetProperty("prompts", out var prompts) || prompts.ValueKind == JsonValueKind.Null)
        {
            return (string.Empty, string.Empty);
        }

        if (prompts.ValueKind != JsonValueKind.Object)
        {
            throw Malformed(path, "prompts must be an object of prompt names and texts");
        }

        return (Prompt(prompts, path, "query"), Prompt(prompts, path, "document") is { Length: > 0 } doc ? doc : Prompt(prompts, path, "passage"));
    }

    private static string Prompt(JsonElement prompts, string path, string name)
    {
        if (!prompts.TryGetProperty(name, out var prompt))
        {
            return string.Empty;
        }

        var text = prompt.ValueKind == JsonValueKind.String ? prompt.GetString()! : throw Malformed(path, $"prompt \"{name}\" must be a string");
        return text.Length <= MaxPrefixLength ? text : throw Malformed(path, $"prompt \"{name}\" is longer than {MaxPrefixLength} characters");
    }

    private static bool IsTrue(JsonElement root, string name, string path) =>
        root.TryGetProperty(name, out var value) && value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False or JsonValueKind.Null => false,
            _ => throw Malformed(path, $"{name} must be true or false"),
        };

    private static JsonElement RequireObject(JsonDocument document, string path) =>
        document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement : throw Malformed(path, "it must be a JSON object");

    /// <summary>The file parsed, or null when it is not there.</summary>
    private static JsonDocument? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (new FileInfo(path).Length > MaxConfigBytes)
        {
            throw Malformed(path, $"it is larger than {MaxConfigBytes / 1024} KiB");
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = MaxJsonDepth });
        }
        catch (JsonException ex)
        {
            throw Malformed(path, $"it is not valid JSON ({ex.Message})");
        }
    }

    private static ArgumentException Malformed(string path, string problem) =>
        new($"Embedding model file '{path}' is malformed: {problem}.");
}
