using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Core.Telemetry;

namespace QwenRag.Retrieval.Reranking;

/// <summary>
/// Reorders fused candidates by a reranker's scores: each (query, chunk text) pair is scored, the candidates are
/// sorted by score (stable: equal scores keep the fused order), and the best <c>top</c> are kept, each carrying its
/// reranker score in place of the fused one.
/// </summary>
public static class CandidateReranking
{
    /// <exception cref="RerankingFailedException">The reranker threw, or answered other than one number per candidate.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<IReadOnlyList<ScoredChunk>> RerankAsync(
        IReranker reranker, string query, IReadOnlyList<ScoredChunk> candidates, int top, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reranker);
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        if (candidates.Count == 0)
        {
            return candidates;
        }

        using var activity = QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.RerankSpan)
            ?.SetTag(QwenRagTelemetry.RerankerTag, reranker.ModelId)
            .SetTag(QwenRagTelemetry.CandidatesTag, candidates.Count);
        IReadOnlyList<float> scores;
        try
        {
            scores = await reranker.ScoreAsync(query, candidates.Select(hit => hit.Chunk.Text).ToArray(), cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            activity.RecordFailure(ex);
            throw new RerankingFailedException($"The reranker {reranker.ModelId} failed: {ex.Message}", ex);
        }

        if (scores is null || scores.Count != candidates.Count)
        {
            var failure = new RerankingFailedException(
                $"The reranker {reranker.ModelId} returned {scores?.Count ?? 0} scores for {candidates.Count} passages.");
            activity.RecordFailure(failure);
            throw failure;
        }

        for (var i = 0; i < scores.Count; i++)
        {
            if (!float.IsFinite(scores[i]))
            {
                var failure = new RerankingFailedException($"The reranker {reranker.ModelId} returned a score that is not a finite number ({scores[i]}).");
                activity.RecordFailure(failure);
                throw failure;
            }
        }

        // OrderByDescending is a stable sort: ties keep the fused order.
        return Enumerable.Range(0, candidates.Count)
            .OrderByDescending(i => scores[i])
            .Take(top)
            .Select(i => new ScoredChunk(candidates[i].Chunk, scores[i]))
            .ToArray();
    }
}
