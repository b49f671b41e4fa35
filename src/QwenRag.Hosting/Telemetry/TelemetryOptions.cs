using Microsoft.Extensions.Options;
using OpenTelemetry.Exporter;

namespace QwenRag.Hosting.Telemetry;

/// <summary>
/// Where traces and metrics go (section <c>QwenRag:Telemetry</c>). Spans and instruments are always recorded for
/// the exporters configured here; with none configured nothing leaves the process.
/// </summary>
public sealed class TelemetryOptions
{
    public const string SectionName = "QwenRag:Telemetry";

    public const string DefaultServiceName = "qwenrag";

    /// <summary>An OpenTelemetry collector (OTLP) that receives traces, metrics and logs; null: no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; set; }

    /// <summary>
    /// How OTLP is sent: gRPC (the collector's port 4317) or HTTP with protobuf (4318; the signal paths
    /// <c>/v1/traces</c>, <c>/v1/metrics</c>, <c>/v1/logs</c> are added to the endpoint).
    /// </summary>
    public OtlpExportProtocol OtlpProtocol { get; set; } = OtlpExportProtocol.Grpc;

    /// <summary>
    /// Serves the metrics for Prometheus to scrape: <c>/metrics</c> on the API for the admin role, or on
    /// <see cref="PrometheusPort"/> when that is set.
    /// </summary>
    public bool Prometheus { get; set; }

    /// <summary>
    /// A port of its own for the scrape endpoint (<c>http://+:{port}/metrics</c>, without authentication: keep it on
    /// the cluster's network). Needed by a process without the API (<c>qwenrag worker</c>).
    /// </summary>
    public int? PrometheusPort { get; set; }

    /// <summary>The <c>service.name</c> resource attribute spans and metrics are reported under.</summary>
    public string ServiceName { get; set; } = DefaultServiceName;

    /// <summary>Whether a scrape endpoint is asked for, on the API or on its own port.</summary>
    public bool ServesPrometheus => Prometheus || PrometheusPort is not null;

    public sealed class Validator : IValidateOptions<TelemetryOptions>
    {
        public ValidateOptionsResult Validate(string? name, TelemetryOptions options)
        {
            var failures = new List<string>();
            if (options.OtlpEndpoint is { } endpoint
                && (!endpoint.IsAbsoluteUri || (endpoint.Scheme != Uri.UriSchemeHttp && endpoint.Scheme != Uri.UriSchemeHttps)))
            {
                failures.Add($"{SectionName}:OtlpEndpoint must be an absolute http or https address (was '{endpoint}').");
            }

            if (options.PrometheusPort is < 1 or > 65535)
            {
                failures.Add($"{SectionName}:PrometheusPort must be between 1 and 65535 (was {options.PrometheusPort}).");
            }

            if (string.IsNullOrWhiteSpace(options.ServiceName))
            {
                failures.Add($"{SectionName}:ServiceName must not be empty.");
            }

            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
