using System.Diagnostics;
using QwenRag.Core.Telemetry;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// The time one document spends in one ingestion stage: a span per step (embedding and indexing run batch by batch,
/// a span each) and, once the document is through, one measurement of the stage's total.
/// </summary>
internal sealed class StageTiming(string stage, string spanName)
{
    private long _elapsed;

    /// <summary>Starts a step: its span, and its time counted into the stage's total when disposed.</summary>
    public Step Begin() => new(this, QwenRagTelemetry.ActivitySource.StartActivity(spanName)?.SetTag(QwenRagTelemetry.StageTag, stage));

    /// <summary>Records the stage's total for the document, when any step ran.</summary>
    public void Record()
    {
        if (_elapsed > 0)
        {
            QwenRagTelemetry.StageDuration.Record(
                TimeSpan.FromTicks(_elapsed).TotalSeconds, new KeyValuePair<string, object?>(QwenRagTelemetry.StageTag, stage));
            _elapsed = 0;
        }
    }

    /// <summary>One step of the stage, until disposed.</summary>
    public readonly struct Step(StageTiming timing, Activity? activity) : IDisposable
    {
        private readonly long _started = Stopwatch.GetTimestamp();

        public Activity? Activity => activity;

        public void Dispose()
        {
            timing._elapsed += Math.Max(1, Stopwatch.GetElapsedTime(_started).Ticks);
            activity?.Dispose();
        }
    }
}
