namespace QwenRag.Cli.Bench;

/// <summary>
/// What <see cref="RequestBuildingBenchmark.Run"/> measured: the client-side work of the Qdrant store, which runs
/// without a server. Times are per item in microseconds (µs) or per batch in milliseconds, as named.
/// </summary>
/// <param name="TextSource">Where the chunk texts came from: the files' chunks, or synthetic.</param>
/// <param name="Texts">Distinct chunk texts cycled through.</param>
/// <param name="MeanWordsPerChunk">Average whitespace-separated words of those texts.</param>
/// <param name="Chunks">Chunks encoded for the sparse-vector timing.</param>
/// <param name="MeanSparseTermsPerChunk">Average non-zero entries of a chunk's sparse vector.</param>
/// <param name="Searches">Searches timed for query encoding and for the hybrid request.</param>
/// <param name="HybridRequestBytes">Mean serialized size of one hybrid <c>QueryPoints</c>.</param>
/// <param name="Batches">Upsert batches built.</param>
/// <param name="BatchBuildP50Milliseconds">Points and <c>UpsertPoints</c> of one batch from pre-encoded sparse vectors.</param>
/// <param name="BatchWithSparseP50Milliseconds">The same including each chunk's sparse encoding (what the adapter does per batch).</param>
/// <param name="BatchBytes">Mean serialized size of one <c>UpsertPoints</c>.</param>
internal sealed record RequestBuildingResult(
    string TextSource,
    int Texts,
    double MeanWordsPerChunk,
    int Chunks,
    double DocumentEncodeP50Microseconds,
    double DocumentEncodeP99Microseconds,
    double DocumentEncodeChunksPerSecond,
    double MeanSparseTermsPerChunk,
    int Searches,
    double QueryEncodeP50Microseconds,
    double QueryEncodeP99Microseconds,
    double HybridRequestP50Microseconds,
    double HybridRequestP99Microseconds,
    long HybridRequestBytes,
    int Batches,
    int BatchSize,
    int Dimensions,
    double BatchBuildP50Milliseconds,
    double BatchBuildP99Milliseconds,
    double BatchWithSparseP50Milliseconds,
    double BatchWithSparseP99Milliseconds,
    long BatchBytes);
