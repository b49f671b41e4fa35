namespace QwenRag.Core;

/// <summary>Answers a question from retrieved passages, streaming text then citations.</summary>
public interface IAnswerGenerator
{
    /// <summary>What the response reports as <c>generator</c>: <c>extractive</c>, <c>qwen</c> (the local model) or <c>chat</c> (a chat server).</summary>
    string Name { get; }

    IAsyncEnumerable<AnswerUpdate> AnswerAsync(
        string question,
        IReadOnlyList<ScoredChunk> sources,
        AnswerOptions? options = null,
        CancellationToken cancellationToken = default);
}
