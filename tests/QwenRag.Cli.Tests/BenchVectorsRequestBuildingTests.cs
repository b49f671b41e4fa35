using QwenRag.Cli.Bench;

namespace QwenRag.Cli.Tests;

/// <summary>The no-server part of <c>qwenrag bench vectors</c>: Qdrant request building, on a tiny count.</summary>
public sealed class BenchVectorsRequestBuildingTests
{
    [Fact]
    public void RequestBuilding_ReportsPositiveFiniteTimesAndSizes()
    {
        var texts = BenchChunkTexts.Synthetic(20);

        var result = RequestBuildingBenchmark.Run(texts, "synthetic", chunks: 40, searches: 10);

        Assert.Equal(40, result.Chunks);
        Assert.Equal(10, result.Searches);
        Assert.Equal(4, result.Batches);
        Assert.Equal(BenchChunkTexts.SyntheticWords, result.MeanWordsPerChunk);
        double[] positive =
        [
            result.MeanSparseTermsPerChunk,
            result.DocumentEncodeP50Microseconds, result.DocumentEncodeP99Microseconds, result.DocumentEncodeChunksPerSecond,
            result.QueryEncodeP50Microseconds, result.QueryEncodeP99Microseconds,
            result.HybridRequestP50Microseconds, result.HybridRequestP99Microseconds, result.HybridRequestBytes,
            result.BatchBuildP50Milliseconds, result.BatchBuildP99Milliseconds,
            result.BatchWithSparseP50Milliseconds, result.BatchWithSparseP99Milliseconds, result.BatchBytes,
        ];
        Assert.All(positive, value => Assert.True(double.IsFinite(value) && value > 0, $"{value}"));
        Assert.True(result.DocumentEncodeP99Microseconds >= result.DocumentEncodeP50Microseconds);

        // 256 points of 384 floats each are on the wire, so a batch is at least that many bytes.
        Assert.True(result.BatchBytes > 256L * VectorStoreBenchmark.Dimensions * sizeof(float));
    }
}
