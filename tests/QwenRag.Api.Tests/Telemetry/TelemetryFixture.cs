using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using QwenRag.Tests;

namespace QwenRag.Api.Tests.Telemetry;

/// <summary>
/// One API host answering through a scripted chat server, with an admin and a reader key, <c>/metrics</c> on, and
/// in-memory exporters for its traces and metrics. A real PDF is uploaded over HTTP and waited for, then searched
/// and asked about, each inside a trace of the test's own (<see cref="TracedCall"/>).
/// </summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    public const string AdminKey = "telemetry-admin-key";
    public const string ReaderKey = "telemetry-reader-key";
    public const string Set = "traced";
    public const string Pdf = "latex-usrguide.pdf";
    public const string Question = "Which document classes does LaTeX provide?";
    public const string Answer = "LaTeX provides article, report and book [1].";

    private readonly TemporaryDirectory _directory = new();
    private readonly List<HttpClient> _clients = [];

    public ExportedItems<Activity> Spans { get; } = new();

    public ExportedItems<MetricSnapshot> Metrics { get; } = new();

    public ApiHost Host { get; private set; } = null!;

    public ScriptedChatServer Chat { get; private set; } = null!;

    public HttpClient Admin { get; private set; } = null!;

    public HttpClient Reader { get; private set; } = null!;

    public HttpClient Anonymous { get; private set; } = null!;

    public string JobId { get; private set; } = string.Empty;

    public ActivityTraceId UploadTrace { get; private set; }

    public ActivityTraceId SearchTrace { get; private set; }

    public ActivityTraceId AskTrace { get; private set; }

    public async Task InitializeAsync()
    {
        Chat = await ScriptedChatServer.StartAsync(Answer);
        Host = await ApiHost.StartAsync(
            Path.Combine(_directory.Path, "data"),
            builder =>
            {
                builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(Spans));
                builder.Services.ConfigureOpenTelemetryMeterProvider(metrics => metrics.AddInMemoryExporter(Metrics));
            },
            "--QwenRag:Auth:Keys:0:Key", AdminKey,
            "--QwenRag:Auth:Keys:0:Role", "admin",
            "--QwenRag:Auth:Keys:1:Key", ReaderKey,
            "--QwenRag:Auth:Keys:1:Role", "reader",
            "--QwenRag:Telemetry:Prometheus", "true",
            "--QwenRag:Telemetry:ServiceName", "qwenrag-tests",
            "--QwenRag:Chat:Endpoint", Chat.Endpoint.ToString(),
            "--QwenRag:Chat:Model", "served-model",
            "--QwenRag:Chat:ContextTokens", "4096");
        Admin = Client(AdminKey);
        Reader = Client(ReaderKey);
        Anonymous = Client(null);

        using (var upload = new TracedCall())
        {
            UploadTrace = upload.TraceId;
            var job = Assert.Single(await Admin.UploadAcceptedAsync(Set, [UploadFile.FromPath(TestCorpus.Pdf(Pdf))]));
            JobId = job.String("id");
        }

        await Admin.WaitForSuccessAsync(JobId);
        using (var search = new TracedCall())
        {
            SearchTrace = search.TraceId;
            Assert.NotEmpty(await Reader.SearchResultsAsync(Set, new { query = "document class options", top = 5 }));
        }

        using (var ask = new TracedCall())
        {
            AskTrace = ask.TraceId;
            using var response = await Reader.AskAsync(Set, new { question = Question, maxTokens = 64 });
            Assert.Equal(Answer, (await response.ReadJsonAsync(System.Net.HttpStatusCode.OK)).String("answer"));
        }
    }

    /// <summary>
    /// The spans of <paramref name="trace"/> once <paramref name="complete"/> holds for them: a job's span ends a
    /// moment after the job is reported succeeded, and exporters see a span when it ends.
    /// </summary>
    public async Task<Activity[]> SpansOfAsync(ActivityTraceId trace, Func<Activity[], bool> complete)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var spans = Spans.Snapshot().Where(span => span.TraceId == trace).ToArray();
            if (complete(spans) || DateTime.UtcNow > deadline)
            {
                return spans;
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Every metric exported so far, after making the providers export now.</summary>
    public MetricSnapshot[] FlushMetrics()
    {
        // Not asserted: the Prometheus reader only exports on a scrape, so a flush reports it as failed.
        Host.Services.GetRequiredService<MeterProvider>().ForceFlush(10_000);
        return Metrics.Snapshot();
    }

    public HttpClient Client(string? key)
    {
        var client = Host.CreateClient(key);
        _clients.Add(client);
        return client;
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await Host.DisposeAsync();
        await Chat.DisposeAsync();
        _directory.Dispose();
    }
}
