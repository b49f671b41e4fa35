using System.Diagnostics;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using QwenRag.Core;
using QwenRag.Core.Telemetry;
using QwenRag.Hosting.Telemetry;
using QwenRag.Ingestion.Jobs;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Telemetry;

/// <summary><see cref="TelemetryServices.AddQwenRagTelemetry"/> in a worker's host (no API): exporters by configuration.</summary>
public sealed class TelemetryServicesTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task OtlpEndpoint_Set_SpansAndMetricsArePostedToTheCollector()
    {
        using var collector = new OtlpCollector();
        using var host = Build(
            ("QwenRag:Telemetry:OtlpEndpoint", collector.Endpoint.ToString()),
            ("QwenRag:Telemetry:OtlpProtocol", "HttpProtobuf"));
        await host.StartAsync();

        using (QwenRagTelemetry.ActivitySource.StartActivity(QwenRagTelemetry.UploadSpan))
        {
            QwenRagTelemetry.SearchDuration.Record(0.25);
        }

        Assert.True(host.Services.GetRequiredService<TracerProvider>().ForceFlush(10_000));
        Assert.True(host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000));
        await host.StopAsync();

        Assert.Contains(collector.Posts, post => post is { Path: "/v1/traces", ContentType: "application/x-protobuf", Bytes: > 0 });
        Assert.Contains(collector.Posts, post => post is { Path: "/v1/metrics", ContentType: "application/x-protobuf", Bytes: > 0 });
    }

    [Fact]
    public async Task PrometheusPort_TheWorkerServesMetricsOnItsOwnPort()
    {
        var port = OtlpCollector.FreePort();
        using var host = Build(("QwenRag:Telemetry:PrometheusPort", port.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        await host.StartAsync();
        QwenRagTelemetry.SearchDuration.Record(0.5);

        using var client = new HttpClient();
        var text = await client.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));
        await host.StopAsync();

        Assert.Contains("qwenrag_search_duration_seconds_bucket{", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task JobsGauge_CountsTheQueuesJobsByState()
    {
        var queue = new IngestionJobQueue(new DataDirectory(_directory.Path));
        foreach (var name in new[] { "a.md", "b.md" })
        {
            await queue.EnqueueAsync("docs", name, new MemoryStream(Encoding.UTF8.GetBytes("# Notes")), "text/markdown", [], 1 << 20);
        }

        var claimed = queue.TryClaim("test-machine:1:aaaa", TimeSpan.FromMinutes(1));
        Assert.NotNull(claimed);
        var exported = new List<MetricSnapshot>();
        using var host = Build(
            services =>
            {
                services.AddSingleton<IJobQueue>(queue);
                services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(exported));
            });
        await host.StartAsync();

        host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        await host.StopAsync();

        var jobs = exported.Where(metric => metric.Name == QwenRagTelemetry.JobsInstrument).SelectMany(metric => metric.MetricPoints).ToList();
        Assert.Equal(1, Gauge(jobs, "queued"));
        Assert.Equal(1, Gauge(jobs, "running"));
        Assert.Equal(0, Gauge(jobs, "succeeded"));
        Assert.Equal(0, Gauge(jobs, "failed"));
    }

    [Theory]
    [InlineData("QwenRag:Telemetry:PrometheusPort", "0", "QwenRag:Telemetry:PrometheusPort must be between 1 and 65535 (was 0)")]
    [InlineData("QwenRag:Telemetry:OtlpEndpoint", "ftp://collector:4317", "QwenRag:Telemetry:OtlpEndpoint must be an absolute http or https address")]
    [InlineData("QwenRag:Telemetry:OtlpEndpoint", "not a url", "QwenRag:Telemetry:OtlpEndpoint must be an absolute http or https address (was 'not a url')")]
    [InlineData("QwenRag:Telemetry:PrometheusPort", "ninety", "QwenRag:Telemetry has a value that is not valid")]
    [InlineData("QwenRag:Telemetry:ServiceName", " ", "QwenRag:Telemetry:ServiceName must not be empty")]
    [InlineData("QwenRag:Telemetry:Prometheus", "true", "QwenRag:Telemetry:Prometheus needs QwenRag:Telemetry:PrometheusPort in a process without the API")]
    public void InvalidSetting_FailsNamingIt(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Build((key, value)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Queue_KeepsTheTraceParentOfTheRequestThatQueuedOrRetriedTheJob()
    {
        var queue = new IngestionJobQueue(new DataDirectory(_directory.Path));
        IngestionJob job;
        string uploadSpan;
        using (var upload = Recorded("upload"))
        {
            uploadSpan = upload.Id!;
            job = Enqueue(queue, "traced.md");
        }

        var untraced = Enqueue(queue, "untraced.md");

        Assert.Equal(uploadSpan, job.TraceParent);
        Assert.Equal(uploadSpan, queue.Find(job.Id)!.TraceParent);
        Assert.Null(queue.Find(untraced.Id)!.TraceParent);
        var context = QwenRagTelemetry.ParseTraceParent(queue.Find(job.Id)!.TraceParent);
        Assert.True(context.IsRemote);
        Assert.Equal(ActivityTraceFlags.Recorded, context.TraceFlags);

        var claimed = queue.TryClaim("test-machine:1:aaaa", TimeSpan.FromMinutes(1))!;
        Assert.Equal(uploadSpan, claimed.TraceParent);
        Assert.True(queue.Fail(claimed.Id, "test-machine:1:aaaa", "broken"));
        using (var retry = Recorded("retry"))
        {
            Assert.True(queue.Retry(claimed.Id));
            Assert.Equal(retry.Id, queue.Find(claimed.Id)!.TraceParent);
        }
    }

    private static IngestionJob Enqueue(IngestionJobQueue queue, string name) =>
        queue.EnqueueAsync("docs", name, new MemoryStream(Encoding.UTF8.GetBytes("# Notes")), "text/markdown", [], 1 << 20).GetAwaiter().GetResult();

    private static Activity Recorded(string name)
    {
        var activity = new Activity(name);
        activity.SetIdFormat(ActivityIdFormat.W3C);
        activity.ActivityTraceFlags = ActivityTraceFlags.Recorded;
        return activity.Start();
    }

    private static long Gauge(List<MetricPoint> points, string state) =>
        Assert.Single(points, point => HasState(point, state)).GetGaugeLastValueLong();

    private static bool HasState(MetricPoint point, string state)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == QwenRagTelemetry.StateTag && (string?)tag.Value == state)
            {
                return true;
            }
        }

        return false;
    }

    private static IHost Build(params (string Key, string Value)[] settings) => Build(_ => { }, settings);

    private static IHost Build(Action<IServiceCollection> services, params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [], DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(setting => KeyValuePair.Create(setting.Key, (string?)setting.Value)));
        services(builder.Services);
        builder.AddQwenRagTelemetry();
        return builder.Build();
    }
}
