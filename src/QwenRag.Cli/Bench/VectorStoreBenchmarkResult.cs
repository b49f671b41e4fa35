namespace QwenRag.Cli.Bench;

/// <summary>What <see cref="VectorStoreBenchmark.Run"/> measured. Times in milliseconds unless named otherwise.</summary>
internal sealed record VectorStoreBenchmarkResult(
    int Count,
    int Dimensions,
    int Queries,
    double InsertVectorsPerSecond,
    double OpenMilliseconds,
    double ExactP50Milliseconds,
    double ExactP99Milliseconds,
    double AnnP50Milliseconds,
    double AnnP99Milliseconds,
    double AnnRecallAt10,
    bool AnnUsed,
    long ManagedMemoryBytes,
    long DatabaseBytes);
