using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.RetrievalModels;

/// <summary>What the Qwen3 sources read from a recognised checkpoint folder, with malformed parts as <see cref="ArgumentException"/>.</summary>
internal static class Qwen3Checkpoint
{
    public static (QwenTokenizer Tokenizer, QwenConfig Config) Read(string folder)
    {
        try
        {
            return (QwenTokenizer.Load(folder), QwenConfig.Load(Path.Combine(folder, SafetensorsCheckpoint.ConfigFileName)));
        }
        catch (Exception exception) when (exception is FileNotFoundException or InvalidDataException or CheckpointException)
        {
            throw new ArgumentException($"The Qwen3 checkpoint '{folder}' is not usable: {exception.Message}", exception);
        }
    }

    public static SafetensorsCheckpoint Open(string folder)
    {
        try
        {
            return SafetensorsCheckpoint.Open(folder);
        }
        catch (CheckpointException exception)
        {
            throw new ArgumentException($"The Qwen3 checkpoint '{folder}' is not usable: {exception.Message}.", exception);
        }
    }
}
