namespace QwenRag.Cli.Bench;

/// <summary>
/// What <see cref="QdrantBenchmark.RunAsync"/> measured against a real server: the adapter
/// (<see cref="QwenRag.Retrieval.Qdrant.QdrantVectorStore"/>) against raw Qdrant.Client gRPC calls sending the
/// same messages, alternating. Ratios are adapter time over raw time (1.10 = the adapter adds 10%).
/// </summary>
/// <param name="RawUpsertPointsPerSecond">Raw calls only: the raw messages are built before the clock starts.</param>
/// <param name="RawWithBuildingPointsPerSecond">
/// Raw calls plus building their messages (sparse encoding and points, as the adapter does inside its upsert).
/// </param>
/// <param name="UpsertTimeRatio">Raw points/s over adapter points/s.</param>
/// <param name="CleanedUp">Whether the scratch alias and collection were dropped.</param>
internal sealed record QdrantBenchmarkResult(
    string Url,
    string ServerVersion,
    string Collection,
    int Points,
    int BatchSize,
    double AdapterUpsertPointsPerSecond,
    double RawUpsertPointsPerSecond,
    double RawWithBuildingPointsPerSecond,
    double UpsertTimeRatio,
    int Searches,
    double AdapterSearchP50Milliseconds,
    double AdapterSearchP99Milliseconds,
    double RawSearchP50Milliseconds,
    double RawSearchP99Milliseconds,
    double SearchP50Ratio,
    double SearchP99Ratio,
    bool CleanedUp);
