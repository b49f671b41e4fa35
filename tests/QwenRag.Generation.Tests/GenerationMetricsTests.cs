using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using QwenRag.Core.Telemetry;
using QwenRag.Generation.Generation;

namespace QwenRag.Generation.Tests;

/// <summary>The runtime's instruments: KV bytes held by live caches, and the decoding rate of each generation.</summary>
public sealed class GenerationMetricsTests : IDisposable
{
    private readonly ModelFixture _fixture = ModelFixture.Create(ModelFixture.Small with { Seed = 5, MaxPositions = 64 });
    private readonly MeterListener _listener = new();
    private readonly ConcurrentQueue<(string Instrument, double Value, string? Device)> _measurements = new();

    public GenerationMetricsTests()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == QwenRagTelemetry.SourceName
                && instrument.Name is QwenRagTelemetry.KvCacheBytesInstrument or QwenRagTelemetry.TokensPerSecondInstrument)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.Start();
    }

    public void Dispose()
    {
        _listener.Dispose();
        _fixture.Dispose();
    }

    [Fact]
    public void KvCache_AddsItsBytesWhileAliveAndTakesThemBackOnDispose()
    {
        var cache = _fixture.Model.CreateCache(32);
        var bytes = cache.Bytes;
        Assert.Contains((QwenRagTelemetry.KvCacheBytesInstrument, (double)bytes, "cpu"), _measurements);

        cache.Dispose();
        cache.Dispose();

        // Taken back once, even when disposed twice (other tests' caches may add their own, of other sizes).
        Assert.Single(_measurements, m => m == (QwenRagTelemetry.KvCacheBytesInstrument, -bytes, "cpu"));
    }

    [Fact]
    public async Task GenerateAsync_RecordsTokensPerSecondOnceItEnds()
    {
        var generator = new TokenGenerator(_fixture.Model);
        var count = 0;
        await foreach (var _ in generator.GenerateAsync([1, 2, 3], SamplingOptions.GreedyDecoding with { MaxNewTokens = 6 }))
        {
            count++;
        }

        Assert.True(count > 0);
        Assert.Contains(_measurements, m => m.Instrument == QwenRagTelemetry.TokensPerSecondInstrument && m.Value > 0);
    }

    private void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        where T : struct
    {
        string? device = null;
        foreach (var tag in tags)
        {
            if (tag.Key == QwenRagTelemetry.DeviceTag)
            {
                device = tag.Value as string;
            }
        }

        _measurements.Enqueue((instrument.Name, Convert.ToDouble(value, System.Globalization.CultureInfo.InvariantCulture), device));
    }
}
