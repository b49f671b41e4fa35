namespace QwenRag.Generation.Checkpoints;

/// <summary>A checkpoint folder, config or safetensors file the engine cannot use; the message names the problem.</summary>
public sealed class CheckpointException(string message) : Exception(message);
