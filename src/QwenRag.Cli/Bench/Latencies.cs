using System.Diagnostics;

namespace QwenRag.Cli.Bench;

/// <summary>Timing helpers shared by the request-building and Qdrant benchmarks.</summary>
internal static class Latencies
{
    /// <summary>The value at <paramref name="fraction"/> of the sorted values (as <see cref="VectorStoreBenchmark"/> takes it).</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double fraction)
    {
        if (values.Count == 0)
        {
            return 0;
        }

        var sorted = values.Order().ToArray();
        return sorted[Math.Min(sorted.Length - 1, (int)(fraction * sorted.Length))];
    }

    /// <summary>Microseconds since <paramref name="started"/> (a <see cref="Stopwatch.GetTimestamp"/> value).</summary>
    public static double MicrosecondsSince(long started) => Stopwatch.GetElapsedTime(started).TotalMicroseconds;
}
