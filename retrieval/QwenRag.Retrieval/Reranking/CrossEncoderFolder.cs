using System.Text.Json;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// What a sentence-transformers cross-encoder folder says about its model: the ONNX file (<c>model.onnx</c> or
/// <c>onnx/model.onnx</c>), whether <c>config.json</c> declares a sequence classifier, its label count, its window
/// (<c>max_position_embeddings</c>, <c>tokenizer_config.json</c>'s <c>model_max_length</c>) and casing.
/// </summary>
internal sealed record CrossEncoderFolder(
    string Folder,
    string? ModelPath,
    bool? DeclaresClassifier,
    int? Labels,
    int? MaxInputTokens,
    bool? LowerCase)
{
    /// <summary>The window of a BERT cross-encoder whose files do not say.</summary>
    public const int DefaultMaxInputTokens = 512;

    private const long MaxConfigBytes = 1024 * 1024;

    /// <exception cref="ArgumentException">A configuration file is not valid JSON or too large.</exception>
    public static CrossEncoderFolder Read(string folder)
    {
        var modelPath = new[] { Path.Combine(folder, "model.onnx"), Path.Combine(folder, "onnx", "model.onnx") }.FirstOrDefault(File.Exists);
        bool? classifier = null;
        int? labels = null;
        int? window = null;
        using (var config = ReadJson(Path.Combine(folder, "config.json")))
        {
            if (config?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                if (root.TryGetProperty("architectures", out var architectures) && architectures.ValueKind == JsonValueKind.Array)
                {
                    classifier = architectures.EnumerateArray().Any(a =>
                        a.ValueKind == JsonValueKind.String && a.GetString()!.EndsWith("ForSequenceClassification", StringComparison.Ordinal));
                }

                if (root.TryGetProperty("num_labels", out var count) && count.TryGetInt32(out var n))
                {
                    labels = n;
                }
                else if (root.TryGetProperty("id2label", out var id2Label) && id2Label.ValueKind == JsonValueKind.Object)
                {
                    labels = id2Label.EnumerateObject().Count();
                }

                if (root.TryGetProperty("max_position_embeddings", out var positions) && positions.TryGetInt32(out var p) && p > 0)
                {
                    window = p;
                }
            }
        }

        bool? lower = null;
        using (var tokenizerConfig = ReadJson(Path.Combine(folder, "tokenizer_config.json")))
        {
            if (tokenizerConfig?.RootElement is { ValueKind: JsonValueKind.Object } root)
            {
                // Hugging Face writes a huge number (1e30) when the tokenizer sets no limit.
                if (root.TryGetProperty("model_max_length", out var max) && max.TryGetDouble(out var m) && m is >= 1 and <= 1_000_000)
                {
                    window = Math.Min(window ?? int.MaxValue, (int)m);
                }

                if (root.TryGetProperty("do_lower_case", out var lowerCase) && lowerCase.ValueKind is JsonValueKind.True or JsonValueKind.False)
                {
                    lower = lowerCase.GetBoolean();
                }
            }
        }

        return new CrossEncoderFolder(folder, modelPath, classifier, labels, window, lower);
    }

    private static JsonDocument? ReadJson(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        if (new FileInfo(path).Length > MaxConfigBytes)
        {
            throw new ArgumentException($"'{path}' is larger than {MaxConfigBytes / 1024} KiB; not a model configuration.");
        }

        try
        {
            return JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException ex)
        {
            throw new ArgumentException($"'{path}' is not valid JSON: {ex.Message}", ex);
        }
    }
}
