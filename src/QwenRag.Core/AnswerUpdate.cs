namespace QwenRag.Core;

/// <summary>
/// One step of a streamed answer: text deltas first, then the citations once, last.
/// Exactly one of <see cref="Text"/> and <see cref="Citations"/> is set.
/// </summary>
public sealed record AnswerUpdate(string? Text, IReadOnlyList<Citation>? Citations)
{
    /// <summary>What every answerer says when retrieval found nothing to answer from.</summary>
    public const string NoSourcesText = "No passages in this set answer the question.";

    public static AnswerUpdate Delta(string text) => new(text, null);

    public static AnswerUpdate Cited(IReadOnlyList<Citation> citations) => new(null, citations);
}
