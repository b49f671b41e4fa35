using System.Text.Json;
using QwenRag.Core.Models;
using QwenRag.Generation.Checkpoints;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>Recognises Hugging Face Qwen3 checkpoint folders (config.json model_type "qwen3" and safetensors).</summary>
internal static class Qwen3Folder
{
    /// <summary>
    /// True when <paramref name="path"/> is a folder with a config.json whose model_type is "qwen3" and a
    /// model.safetensors or shard index. Anything else (a file, a shipped model name, another model type,
    /// unreadable JSON) is not a Qwen3 checkpoint.
    /// </summary>
    public static bool IsQwen3Checkpoint(string path)
    {
        if (string.IsNullOrWhiteSpace(path) || !Directory.Exists(path))
        {
            return false;
        }

        var config = Path.Combine(path, SafetensorsCheckpoint.ConfigFileName);
        if (!File.Exists(config)
            || !(File.Exists(Path.Combine(path, SafetensorsCheckpoint.SingleFileName)) || File.Exists(Path.Combine(path, SafetensorsCheckpoint.IndexFileName))))
        {
            return false;
        }

        try
        {
            // config.json files are a few kB; a larger one is not a transformers config.
            if (new FileInfo(config).Length > 1 << 20)
            {
                return false;
            }

            using var document = JsonDocument.Parse(File.ReadAllBytes(config));
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("model_type", out var type)
                && type.ValueKind == JsonValueKind.String
                && string.Equals(type.GetString(), "qwen3", StringComparison.OrdinalIgnoreCase);
        }
        catch (Exception exception) when (exception is JsonException or IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>The model id recorded for a checkpoint: its folder's name (Hugging Face repositories are named after the model).</summary>
    public static string ModelId(string path) => ModelFolders.IdOf(path);
}
