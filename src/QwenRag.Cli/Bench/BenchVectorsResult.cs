namespace QwenRag.Cli.Bench;

/// <summary>
/// What <c>qwenrag bench vectors</c> measured: the embedded store, the Qdrant store's request building (always, no
/// server needed) with ratios against the embedded store in the same run, and the Qdrant server when one was given.
/// </summary>
/// <param name="HybridRequestToAnnSearchP50">Building one hybrid request (p50) over one embedded ANN search (p50).</param>
/// <param name="HybridRequestToExactSearchP50">Building one hybrid request (p50) over one embedded exact search (p50).</param>
/// <param name="BatchBuildToEmbeddedInsert">
/// Building one 256-point upsert batch with its sparse vectors (p50) over the embedded store's insert time for 256
/// vectors (from its insert rate).
/// </param>
/// <param name="Qdrant">Null when no server was given (see <paramref name="QdrantNote"/>).</param>
internal sealed record BenchVectorsResult(
    VectorStoreBenchmarkResult Embedded,
    RequestBuildingResult RequestBuilding,
    double HybridRequestToAnnSearchP50,
    double HybridRequestToExactSearchP50,
    double BatchBuildToEmbeddedInsert,
    QdrantBenchmarkResult? Qdrant,
    string QdrantNote)
{
    public const string NoServer = "no Qdrant server was given (--qdrant URL), so only request building was measured";

    public static BenchVectorsResult Create(VectorStoreBenchmarkResult embedded, RequestBuildingResult building, QdrantBenchmarkResult? qdrant)
    {
        var embeddedInsertPerBatch = building.BatchSize / embedded.InsertVectorsPerSecond * 1000;
        return new BenchVectorsResult(
            embedded,
            building,
            building.HybridRequestP50Microseconds / (embedded.AnnP50Milliseconds * 1000),
            building.HybridRequestP50Microseconds / (embedded.ExactP50Milliseconds * 1000),
            building.BatchWithSparseP50Milliseconds / embeddedInsertPerBatch,
            qdrant,
            qdrant is null ? NoServer : $"measured against Qdrant {qdrant.ServerVersion} at {qdrant.Url}");
    }
}
