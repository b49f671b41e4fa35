using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace QwenRag.Core.Telemetry;

/// <summary>
/// The one <see cref="ActivitySource"/> and <see cref="Meter"/> the libraries report through, both named
/// <see cref="SourceName"/>, with the names of their spans and instruments. Nothing is recorded unless a listener
/// (the OpenTelemetry SDK the hosts add) subscribes, so the libraries pay almost nothing without one.
/// </summary>
public static class QwenRagTelemetry
{
    public const string SourceName = "QwenRag";

    /// <summary>The source and meter of the Microsoft.Extensions.AI chat client middleware (gen_ai spans and metrics).</summary>
    public const string GenAiSourceName = "QwenRag.GenAI";

    public const string UploadSpan = "upload";
    public const string JobSpan = "ingestion.job";
    public const string DocumentSpan = "ingestion.document";
    public const string ExtractSpan = "ingestion.extract";
    public const string ChunkSpan = "ingestion.chunk";
    public const string EmbedSpan = "ingestion.embed";
    public const string IndexSpan = "ingestion.index";
    public const string SearchSpan = "search";
    public const string AskSpan = "ask";
    public const string RetrievalSpan = "retrieval";
    public const string QueryEmbedSpan = "retrieval.embed";
    public const string DenseSpan = "retrieval.dense";
    public const string KeywordSpan = "retrieval.keyword";
    public const string FuseSpan = "retrieval.fuse";

    /// <summary>The reranker scoring the fused candidates (tags <see cref="RerankerTag"/>, <see cref="CandidatesTag"/>).</summary>
    public const string RerankSpan = "retrieval.rerank";
    public const string GenerateSpan = "generation";

    public const string JobsInstrument = "qwenrag.jobs";
    public const string StageDurationInstrument = "qwenrag.ingestion.stage.duration";
    public const string SearchDurationInstrument = "qwenrag.search.duration";
    public const string AskDurationInstrument = "qwenrag.ask.duration";
    public const string TokensPerSecondInstrument = "qwenrag.generation.tokens_per_second";
    public const string KvCacheBytesInstrument = "qwenrag.generation.kv_cache.bytes";

    public const string SetTag = "qwenrag.set";
    public const string JobIdTag = "qwenrag.job.id";
    public const string JobIdsTag = "qwenrag.job.ids";
    public const string JobAttemptTag = "qwenrag.job.attempt";
    public const string DocumentTag = "qwenrag.document.name";
    public const string DocumentIdTag = "qwenrag.document.id";
    public const string StageTag = "qwenrag.stage";
    public const string StateTag = "qwenrag.job.state";
    public const string ChunksTag = "qwenrag.chunks";
    public const string HitsTag = "qwenrag.hits";
    public const string TopTag = "qwenrag.top";
    public const string OutcomeTag = "qwenrag.outcome";
    public const string DeviceTag = "qwenrag.device";
    public const string GeneratorTag = "qwenrag.generator";
    public const string RerankerTag = "qwenrag.reranker";
    public const string CandidatesTag = "qwenrag.candidates";

    public static ActivitySource ActivitySource { get; } = new(SourceName);

    public static Meter Meter { get; } = new(SourceName);

    /// <summary>Seconds each ingestion stage took for one document (tag <see cref="StageTag"/>: extract, chunk, embed, index).</summary>
    public static Histogram<double> StageDuration { get; } = Meter.CreateHistogram<double>(
        StageDurationInstrument, "s", "Time an ingestion stage took for one document");

    public static Histogram<double> SearchDuration { get; } = Meter.CreateHistogram<double>(
        SearchDurationInstrument, "s", "Time a search took, retrieval and fusion included");

    public static Histogram<double> AskDuration { get; } = Meter.CreateHistogram<double>(
        AskDurationInstrument, "s", "Time a question took, from retrieval to the last token of its answer");

    public static Histogram<double> TokensPerSecond { get; } = Meter.CreateHistogram<double>(
        TokensPerSecondInstrument, "{token}/s", "Tokens one generation produced per second after its prompt was read");

    /// <summary>Records one generation's decode rate, when it yielded a token in a measurable time.</summary>
    public static void RecordDecodeRate(int tokens, TimeSpan elapsed)
    {
        if (tokens > 0 && elapsed > TimeSpan.Zero)
        {
            TokensPerSecond.Record(tokens / elapsed.TotalSeconds);
        }
    }

    /// <summary>Bytes held by the key and value caches of the generations running now.</summary>
    public static UpDownCounter<long> KvCacheBytes { get; } = Meter.CreateUpDownCounter<long>(
        KvCacheBytesInstrument, "By", "Memory held by the KV caches of running generations");

    /// <summary>
    /// The W3C <c>traceparent</c> of the current span, for work handed to another process (a queued job), so that the
    /// process that does it continues the same trace; null without a sampled span.
    /// </summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C, Recorded: true } current ? current.Id : null;

    /// <summary>The context <see cref="CurrentTraceParent"/> wrote, as a remote parent; default when absent or malformed.</summary>
    public static ActivityContext ParseTraceParent(string? traceParent) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, isRemote: true, out var context) ? context : default;

    /// <summary>Marks a span as failed with the exception's type and message (not its stack: spans travel far).</summary>
    public static void RecordFailure(this Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message)
            .SetTag("error.type", exception.GetType().FullName);
    }
}
