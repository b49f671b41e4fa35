namespace QwenRag.Core.Models;

/// <summary>
/// What an embedding generator embeds with. Every generator answers <c>GetService(typeof(EmbeddingModelInfo))</c>
/// with one. <paramref name="ModelId"/> is the name recorded per set: two generators with the same id produce
/// comparable vectors. <paramref name="MaxInputTokens"/> is the model's window in its own tokens, special tokens and
/// prefixes included; longer input is truncated.
/// </summary>
public sealed record EmbeddingModelInfo(string ModelId, int Dimensions, int MaxInputTokens);
