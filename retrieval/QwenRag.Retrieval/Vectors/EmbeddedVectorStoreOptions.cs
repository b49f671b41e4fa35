namespace QwenRag.Retrieval.Vectors;

/// <summary>Tuning of <see cref="EmbeddedVectorStore"/>; the defaults come from <c>qwenrag bench vectors</c> runs.</summary>
public sealed record EmbeddedVectorStoreOptions
{
    /// <summary>
    /// Chunks in a set from which searches use the approximate (IVF) index instead of scanning every vector.
    /// Below it exact search is fast enough (about 2 ms per 20,000 vectors of 384 floats on one core).
    /// </summary>
    public int AnnThreshold { get; init; } = 50_000;

    /// <summary>IVF lists (k-means centroids); null picks about the square root of the set size.</summary>
    public int? AnnListCount { get; init; }

    /// <summary>Lists searched per query; null picks a twelfth of the lists (at least 8), recall@10 ≥ 0.95 measured.</summary>
    public int? AnnProbeCount { get; init; }

    /// <summary>Exact scans of at least this many vectors are split across processors.</summary>
    public int ParallelScanThreshold { get; init; } = 32_768;
}
