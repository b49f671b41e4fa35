using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using QwenRag.Core.Telemetry;
using QwenRag.Ingestion.Jobs;

namespace QwenRag.Hosting.Telemetry;

public static class TelemetryServices
{
    /// <summary>
    /// OpenTelemetry for a QwenRag process (<c>serve</c> and <c>worker</c>): the spans of
    /// <see cref="QwenRagTelemetry.SourceName"/> and of the chat client (<see cref="QwenRagTelemetry.GenAiSourceName"/>),
    /// outgoing HTTP and Npgsql; their metrics, the runtime's, and the jobs gauge when the host has a job queue (call
    /// this after <c>AddIngestionWorker</c>). Exporters come from <see cref="TelemetryOptions"/>: OTLP when
    /// <see cref="TelemetryOptions.OtlpEndpoint"/> is set, a Prometheus listener on
    /// <see cref="TelemetryOptions.PrometheusPort"/>. The API adds its own instrumentation and <c>/metrics</c> on the
    /// builder returned.
    /// </summary>
    /// <param name="builder">The host's builder.</param>
    /// <param name="servesApi">
    /// Whether the host maps the API's <c>/metrics</c>; without it, <see cref="TelemetryOptions.Prometheus"/> needs a
    /// <see cref="TelemetryOptions.PrometheusPort"/>.
    /// </param>
    /// <exception cref="OptionsValidationException">A telemetry setting is invalid; the message names it.</exception>
    public static IOpenTelemetryBuilder AddQwenRagTelemetry(this IHostApplicationBuilder builder, bool servesApi = false)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = Read(builder.Configuration, servesApi);
        var services = builder.Services;
        services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TelemetryOptions>, TelemetryOptions.Validator>());
        var hasQueue = services.Any(service => service.ServiceType == typeof(IJobQueue));

        var telemetry = services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                options.ServiceName, serviceInstanceId: $"{Environment.MachineName}:{Environment.ProcessId}"))
            .WithTracing(tracing => tracing
                .AddSource(QwenRagTelemetry.SourceName, QwenRagTelemetry.GenAiSourceName)
                .AddHttpClientInstrumentation()
                .AddNpgsql())
            .WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(QwenRagTelemetry.SourceName, QwenRagTelemetry.GenAiSourceName, "System.Runtime")
                    .AddHttpClientInstrumentation()
                    .AddNpgsqlInstrumentation();
                if (hasQueue)
                {
                    metrics.AddInstrumentation(provider => new JobStateGauge(
                        provider.GetRequiredService<IJobQueue>(), provider.GetRequiredService<ILogger<JobStateGauge>>()));
                }

                if (options.PrometheusPort is { } port)
                {
                    // On every interface, for a scraper elsewhere in the cluster; the options' Host takes names only.
                    metrics.AddPrometheusHttpListener(listener =>
                    {
                        listener.Port = port;
                        listener.ConfigureHttpListener = (_, http) =>
                        {
                            http.Prefixes.Clear();
                            http.Prefixes.Add($"http://+:{port}/");
                        };
                    });
                }
            });
        if (options.OtlpEndpoint is { } endpoint)
        {
            telemetry.UseOtlpExporter(options.OtlpProtocol, endpoint);
        }

        return telemetry;
    }

    /// <summary>The options when valid for this host, so that the exporters are never set up from a bad value.</summary>
    private static TelemetryOptions Read(IConfiguration configuration, bool servesApi)
    {
        TelemetryOptions options;
        try
        {
            options = configuration.GetSection(TelemetryOptions.SectionName).Get<TelemetryOptions>() ?? new TelemetryOptions();
        }
        catch (InvalidOperationException ex)
        {
            // A value that does not bind at all ("not a url", a port that is no number): named like the others.
            throw new OptionsValidationException(
                TelemetryOptions.SectionName, typeof(TelemetryOptions), [$"{TelemetryOptions.SectionName} has a value that is not valid: {ex.Message}"]);
        }

        var result = new TelemetryOptions.Validator().Validate(null, options);
        var failures = result.Failed ? result.Failures.ToList() : [];
        if (!servesApi && options.Prometheus && options.PrometheusPort is null)
        {
            failures.Add($"{TelemetryOptions.SectionName}:Prometheus needs {TelemetryOptions.SectionName}:PrometheusPort in a process without the API (worker).");
        }

        return failures.Count == 0
            ? options
            : throw new OptionsValidationException(TelemetryOptions.SectionName, typeof(TelemetryOptions), failures);
    }
}
