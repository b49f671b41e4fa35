using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using QwenRag.Api.Auth;
using QwenRag.Hosting.Telemetry;

namespace QwenRag.Api;

/// <summary>
/// The service's telemetry (<see cref="TelemetryServices.AddQwenRagTelemetry"/>) with incoming requests, so that a
/// trace starts at the HTTP request (or continues the caller's <c>traceparent</c>), and Prometheus's
/// <c>/metrics</c> for the admin role when <see cref="TelemetryOptions.Prometheus"/> is on without a port of its own.
/// </summary>
public static class ApiTelemetry
{
    public const string MetricsPath = "/metrics";

    public static WebApplicationBuilder AddApiTelemetry(this WebApplicationBuilder builder)
    {
        // Read after AddQwenRagTelemetry, which has checked that the section binds and is valid.
        var telemetry = builder.AddQwenRagTelemetry(servesApi: true);
        var options = builder.Configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        telemetry
            .WithTracing(tracing => tracing.AddAspNetCoreInstrumentation(instrumentation => instrumentation.Filter = IsTraced))
            .WithMetrics(metrics =>
            {
                metrics.AddAspNetCoreInstrumentation();
                if (ScrapedOnApi(options))
                {
                    metrics.AddPrometheusExporter();
                }
            });
        return builder;
    }

    /// <summary>Maps <see cref="MetricsPath"/> behind <see cref="ApiPolicies.Admin"/> when the API serves the scrape.</summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        if (ScrapedOnApi(app.Services.GetRequiredService<IOptions<TelemetryOptions>>().Value))
        {
            app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(ApiPolicies.Admin);
        }

        return app;
    }

    private static bool ScrapedOnApi(TelemetryOptions options) => options.Prometheus && options.PrometheusPort is null;

    // Probes and scrapes come every few seconds and say nothing about the work; they would drown the traces.
    private static bool IsTraced(HttpContext context) =>
        !context.Request.Path.StartsWithSegments("/health", StringComparison.OrdinalIgnoreCase)
        && !context.Request.Path.StartsWithSegments(MetricsPath, StringComparison.OrdinalIgnoreCase);
}
