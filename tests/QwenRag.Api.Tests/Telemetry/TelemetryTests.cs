using System.Diagnostics;
using System.Net;
using OpenTelemetry.Metrics;
using QwenRag.Core.Telemetry;
using QwenRag.Hosting.Telemetry;

namespace QwenRag.Api.Tests.Telemetry;

/// <summary>What the service exports, read back in process from its in-memory exporters and its <c>/metrics</c>.</summary>
public sealed class TelemetryTests(TelemetryFixture fixture) : IClassFixture<TelemetryFixture>
{
    private static readonly string[] Stages = [QwenRagTelemetry.ExtractSpan, QwenRagTelemetry.ChunkSpan, QwenRagTelemetry.EmbedSpan, QwenRagTelemetry.IndexSpan];

    [Fact]
    public async Task Upload_OneTraceRunsFromTheRequestThroughItsJobToEveryIngestionStage()
    {
        var spans = await fixture.SpansOfAsync(fixture.UploadTrace, found => found.Any(span => span.OperationName == QwenRagTelemetry.JobSpan));

        var upload = Single(spans, QwenRagTelemetry.UploadSpan);
        var request = Assert.Single(spans, span => span.Kind == ActivityKind.Server && span.SpanId == upload.ParentSpanId);
        Assert.Equal("POST", request.GetTagItem("http.request.method"));
        Assert.Equal(fixture.JobId, Assert.Single((string[])upload.GetTagItem(QwenRagTelemetry.JobIdsTag)!));
        Assert.Equal(TelemetryFixture.Set, upload.GetTagItem(QwenRagTelemetry.SetTag));

        var job = Single(spans, QwenRagTelemetry.JobSpan);
        Assert.Equal(upload.SpanId, job.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, job.Kind);
        Assert.Equal(fixture.JobId, job.GetTagItem(QwenRagTelemetry.JobIdTag));
        Assert.Equal(TelemetryFixture.Pdf, job.GetTagItem(QwenRagTelemetry.DocumentTag));
        Assert.Equal("Ingested", job.GetTagItem(QwenRagTelemetry.OutcomeTag));
        Assert.NotEqual(ActivityStatusCode.Error, job.Status);

        var document = Single(spans, QwenRagTelemetry.DocumentSpan);
        Assert.Equal(job.SpanId, document.ParentSpanId);
        foreach (var stage in Stages)
        {
            var steps = spans.Where(span => span.OperationName == stage).ToArray();
            Assert.NotEmpty(steps);
            Assert.All(steps, step => Assert.Equal(document.SpanId, step.ParentSpanId));
        }

        // The stages ran in order: extraction first, the index written last.
        var extract = Single(spans, QwenRagTelemetry.ExtractSpan);
        var chunk = Single(spans, QwenRagTelemetry.ChunkSpan);
        Assert.True(extract.StartTimeUtc + extract.Duration <= chunk.StartTimeUtc);
        Assert.True(spans.Where(span => span.OperationName == QwenRagTelemetry.EmbedSpan).Sum(span => (int)span.GetTagItem(QwenRagTelemetry.ChunksTag)!)
            == (int)job.GetTagItem(QwenRagTelemetry.ChunksTag)!);
    }

    [Fact]
    public async Task Search_HasRetrievalWithDenseKeywordAndFusionUnderTheRequest()
    {
        var spans = await fixture.SpansOfAsync(fixture.SearchTrace, found => found.Any(span => span.OperationName == QwenRagTelemetry.SearchSpan));

        var search = Single(spans, QwenRagTelemetry.SearchSpan);
        Assert.Contains(spans, span => span.Kind == ActivityKind.Server && span.SpanId == search.ParentSpanId);
        Assert.Equal(5, search.GetTagItem(QwenRagTelemetry.HitsTag));
        AssertRetrievalUnder(spans, search);
    }

    [Fact]
    public async Task Ask_HasRetrievalAndGenerationWithTheChatClientsGenAiSpan()
    {
        var spans = await fixture.SpansOfAsync(fixture.AskTrace, found => found.Any(span => span.OperationName == QwenRagTelemetry.AskSpan));

        var ask = Single(spans, QwenRagTelemetry.AskSpan);
        Assert.NotEqual(ActivityStatusCode.Error, ask.Status);
        AssertRetrievalUnder(spans, ask);
        var generation = Single(spans, QwenRagTelemetry.GenerateSpan);
        Assert.Equal(ask.SpanId, generation.ParentSpanId);

        // Microsoft.Extensions.AI's UseOpenTelemetry(): the gen_ai span of the chat call, and under it the HTTP call
        // to the chat server.
        var chat = Assert.Single(spans, span => span.Source.Name == QwenRagTelemetry.GenAiSourceName);
        Assert.Equal(generation.SpanId, chat.ParentSpanId);
        Assert.Equal("chat", chat.GetTagItem("gen_ai.operation.name"));
        Assert.Equal("served-model", chat.GetTagItem("gen_ai.request.model"));
        Assert.Contains(spans, span => span.Kind == ActivityKind.Client && span.ParentSpanId == chat.SpanId
            && span.GetTagItem("url.full") is string url && url.StartsWith(fixture.Chat.Endpoint.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metrics_StageDurationsLatenciesAndJobsByStateAreRecorded()
    {
        // The fixture's spans are complete once the job's is exported; by then every stage has been measured.
        await fixture.SpansOfAsync(fixture.UploadTrace, found => found.Any(span => span.OperationName == QwenRagTelemetry.JobSpan));

        var metrics = fixture.FlushMetrics();

        var stages = Points(metrics, QwenRagTelemetry.StageDurationInstrument)
            .Where(point => point.GetHistogramCount() > 0)
            .Select(point => Tag(point, QwenRagTelemetry.StageTag))
            .ToHashSet();
        Assert.Superset(new HashSet<object?>(["extract", "chunk", "embed", "index"]), stages);
        Assert.Contains(Points(metrics, QwenRagTelemetry.SearchDurationInstrument), point => point.GetHistogramCount() >= 1);
        Assert.Contains(Points(metrics, QwenRagTelemetry.AskDurationInstrument), point => point.GetHistogramCount() >= 1);

        // The jobs gauge reads the queue at most every JobStateGauge.CacheFor: a scrape by another test before the job
        // completed may hold the earlier counts that long.
        static bool Succeeded(MetricSnapshot[] found) => Points(found, QwenRagTelemetry.JobsInstrument)
            .Any(point => (string?)Tag(point, QwenRagTelemetry.StateTag) == "succeeded" && point.GetGaugeLastValueLong() >= 1);
        var started = Stopwatch.GetTimestamp();
        var jobs = metrics;
        while (!Succeeded(jobs) && Stopwatch.GetElapsedTime(started) < 3 * JobStateGauge.CacheFor)
        {
            await Task.Delay(250);
            jobs = fixture.FlushMetrics();
        }

        Assert.True(Succeeded(jobs), "the jobs gauge never reported the succeeded job");
        Assert.Contains(metrics, metric => metric.MeterName == QwenRagTelemetry.GenAiSourceName && metric.Name == "gen_ai.client.operation.duration");

        // The chat server's reported output tokens over the time it streamed them.
        Assert.Contains(Points(metrics, QwenRagTelemetry.TokensPerSecondInstrument), point => point.GetHistogramCount() >= 1);
        Assert.All(metrics.Where(metric => metric.Name == QwenRagTelemetry.StageDurationInstrument), metric => Assert.Equal("s", metric.Unit));
    }

    [Fact]
    public async Task MetricsEndpoint_Admin_GetsPrometheusText()
    {
        using var response = await fixture.Admin.GetAsync(ApiTelemetry.MetricsPath);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType, StringComparison.Ordinal);
        var text = await response.Content.ReadAsStringAsync();
        Assert.Contains("# TYPE qwenrag_jobs gauge", text, StringComparison.Ordinal);
        Assert.Contains("qwenrag_jobs{", text, StringComparison.Ordinal);
        Assert.Contains("qwenrag_search_duration_seconds_bucket{", text, StringComparison.Ordinal);
        Assert.Contains("qwenrag_ingestion_stage_duration_seconds_count{", text, StringComparison.Ordinal);
        Assert.Contains("qwenrag-tests", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MetricsEndpoint_ReaderOrAnonymous_Refused()
    {
        using var reader = await fixture.Reader.GetAsync(ApiTelemetry.MetricsPath);
        using var anonymous = await fixture.Anonymous.GetAsync(ApiTelemetry.MetricsPath);

        await ProblemAssert.IsProblemAsync(reader, HttpStatusCode.Forbidden);
        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized);
    }

    private static void AssertRetrievalUnder(Activity[] spans, Activity parent)
    {
        var retrieval = Assert.Single(spans, span => span.OperationName == QwenRagTelemetry.RetrievalSpan && span.ParentSpanId == parent.SpanId);
        Assert.Equal(TelemetryFixture.Set, retrieval.GetTagItem(QwenRagTelemetry.SetTag));
        foreach (var name in new[] { QwenRagTelemetry.QueryEmbedSpan, QwenRagTelemetry.DenseSpan, QwenRagTelemetry.KeywordSpan, QwenRagTelemetry.FuseSpan })
        {
            Assert.Equal(retrieval.SpanId, Single(spans, name).ParentSpanId);
        }

        Assert.True((int)Single(spans, QwenRagTelemetry.DenseSpan).GetTagItem(QwenRagTelemetry.HitsTag)! > 0);
    }

    private static Activity Single(Activity[] spans, string name)
    {
        var found = spans.Where(span => span.Source.Name == QwenRagTelemetry.SourceName && span.OperationName == name).ToArray();
        Assert.True(found.Length == 1, $"expected one '{name}' span, found {found.Length}: {string.Join(", ", spans.Select(span => span.OperationName))}");
        return found[0];
    }

    private static IEnumerable<MetricPoint> Points(MetricSnapshot[] metrics, string name) =>
        metrics.Where(metric => metric.Name == name).SelectMany(metric => metric.MetricPoints);

    private static object? Tag(MetricPoint point, string key)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == key)
            {
                return tag.Value;
            }
        }

        return null;
    }
}
