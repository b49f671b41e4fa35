using System.Text;
using QwenRag.Core;

namespace QwenRag.Retrieval.Answering;

/// <summary>Collects a streamed answer into the non-streaming <see cref="AskResponse"/> shape.</summary>
public static class AnswerCollector
{
    /// <summary>Concatenates the text deltas and gathers the citations (each chunk once, in order).</summary>
    public static async Task<AskResponse> CollectAsync(
        IAsyncEnumerable<AnswerUpdate> updates, string generatorName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(updates);
        ArgumentNullException.ThrowIfNull(generatorName);

        var answer = new StringBuilder();
        var citations = new List<Citation>();
        var cited = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var update in updates.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            answer.Append(update.Text);
            foreach (var citation in update.Citations ?? [])
            {
                if (cited.Add(citation.ChunkId))
                {
                    citations.Add(citation);
                }
            }
        }

        return new AskResponse(answer.ToString().Trim(), generatorName, citations);
    }

    /// <summary>Answers <paramref name="question"/> with <paramref name="generator"/> and collects the stream.</summary>
    public static Task<AskResponse> CollectAsync(
        this IAnswerGenerator generator,
        string question,
        IReadOnlyList<ScoredChunk> sources,
        AnswerOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(generator);
        return CollectAsync(
            generator.AnswerAsync(question, sources, options, cancellationToken), generator.Name, cancellationToken);
    }
}
