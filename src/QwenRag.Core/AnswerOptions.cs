namespace QwenRag.Core;

public sealed record AnswerOptions
{
    /// <summary>Upper bound on generated tokens (generative answerers) or sentences' total length budget.</summary>
    public int? MaxTokens { get; init; }
}
