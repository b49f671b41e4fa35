using QwenRag.Core;

namespace QwenRag.Retrieval.Fusion;

/// <summary>
/// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): a chunk's fused score is the sum over the lists
/// that hold it of <c>weight / (k + rank)</c>, rank counted from 1. Only ranks matter, so lists whose scores live
/// on different scales (cosine, BM25) combine without calibration.
/// </summary>
public static class ReciprocalRankFusion
{
    /// <summary>The constant from the original paper; it damps the lead of the very first ranks.</summary>
    public const int DefaultK = 60;

    /// <summary>
    /// Fuses ranked lists (each best first) by chunk id. A chunk listed twice in one list counts at its best rank.
    /// Results are ordered by fused score, then by best rank in any list, then by chunk id, so ties always come
    /// out in the same order. Each result carries the chunk as the first list holding it returned it.
    /// </summary>
    /// <param name="lists">The ranked lists.</param>
    /// <param name="k">Rank offset, at least 0.</param>
    /// <param name="weights">One non-negative weight per list; null weighs every list 1.</param>
    public static IReadOnlyList<ScoredChunk> Fuse(
        IReadOnlyList<IReadOnlyList<ScoredChunk>> lists, int k = DefaultK, IReadOnlyList<double>? weights = null)
    {
        ArgumentNullException.ThrowIfNull(lists);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        if (weights is not null)
        {
            if (weights.Count != lists.Count)
            {
                throw new ArgumentException(
                    $"Expected one weight per list ({lists.Count}), got {weights.Count}.", nameof(weights));
            }

            foreach (var weight in weights)
            {
                if (!double.IsFinite(weight) || weight < 0)
                {
                    throw new ArgumentException("Weights must be finite and non-negative.", nameof(weights));
                }
            }
        }

        var fused = new Dictionary<Guid, Entry>();
        for (var list = 0; list < lists.Count; list++)
        {
            var ranked = lists[list] ?? throw new ArgumentException("A list is null.", nameof(lists));
            var weight = weights?[list] ?? 1.0;
            var seenInList = new HashSet<Guid>();
            for (var position = 0; position < ranked.Count; position++)
            {
                var chunk = ranked[position].Chunk;
                if (!seenInList.Add(chunk.Id))
                {
                    continue;
                }

                var rank = position + 1;
                var contribution = weight / (k + rank);
                if (fused.TryGetValue(chunk.Id, out var entry))
                {
                    entry.Score += contribution;
                    entry.BestRank = Math.Min(entry.BestRank, rank);
                }
                else
                {
                    fused.Add(chunk.Id, new Entry(chunk, contribution, rank));
                }
            }
        }

        return fused.Values
            .OrderByDescending(entry => entry.Score)
            .ThenBy(entry => entry.BestRank)
            .ThenBy(entry => entry.Chunk.Id.ToString(), StringComparer.Ordinal)
            .Select(entry => new ScoredChunk(entry.Chunk, entry.Score))
            .ToList();
    }

    private sealed class Entry(ChunkRecord chunk, double score, int bestRank)
    {
        public ChunkRecord Chunk { get; } = chunk;

        public double Score { get; set; } = score;

        public int BestRank { get; set; } = bestRank;
    }
}
