using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Hosting.Telemetry;

/// <summary>
/// <see cref="QwenRagTelemetry.JobsInstrument"/>: jobs by state, read from the queue (shared by every process on it)
/// at most every <see cref="CacheFor"/>, so frequent scrapes or several exporters cost one grouped count. Its meter is
/// its own (named like every other, <see cref="QwenRagTelemetry.SourceName"/>), so the gauge ends with the meter
/// provider that owns it instead of outliving its host's queue.
/// </summary>
public sealed partial class JobStateGauge : IDisposable
{
    public static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(5);

    private readonly IJobQueue _queue;
    private readonly ILogger<JobStateGauge> _logger;
    private readonly Meter _meter;
    private readonly Lock _gate = new();
    private IReadOnlyDictionary<JobStatus, long>? _counts;
    private long _readAt;

    public JobStateGauge(IJobQueue queue, ILogger<JobStateGauge> logger)
    {
        _queue = queue;
        _logger = logger;
        _meter = new Meter(QwenRagTelemetry.SourceName);
        _meter.CreateObservableGauge(QwenRagTelemetry.JobsInstrument, Observe, "{job}", "Ingestion jobs in each state");
    }

    public void Dispose() => _meter.Dispose();

    private IEnumerable<Measurement<long>> Observe()
    {
        IReadOnlyDictionary<JobStatus, long> counts;
        lock (_gate)
        {
            if (_counts is null || Stopwatch.GetElapsedTime(_readAt) >= CacheFor)
            {
                try
                {
                    _counts = _queue.CountByStatus();
                    _readAt = Stopwatch.GetTimestamp();
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // The queue's database is unavailable: no reading rather than a stale one.
                    LogCountFailed(ex);
                    return [];
                }
            }

            counts = _counts;
        }

        return counts.Select(count => new Measurement<long>(
            count.Value, new KeyValuePair<string, object?>(QwenRagTelemetry.StateTag, count.Key.ToString().ToLowerInvariant())));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not count the ingestion jobs for the jobs gauge")]
    private partial void LogCountFailed(Exception exception);
}
