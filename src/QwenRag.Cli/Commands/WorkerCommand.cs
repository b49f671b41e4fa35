using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Hosting.Telemetry;
using QwenRag.Hosting.Worker;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag worker</c>: the ingestion worker alone, until stopped.</summary>
internal sealed class WorkerCommand : Command
{
    private readonly Option<int> _concurrency = CliOptions.Bounded("--concurrency", 1, 64, 1, "Jobs processed at once");

    private readonly Option<int> _leaseSeconds = CliOptions.Bounded(
        "--lease-seconds", 5, 3600, 30,
        "Seconds a claimed job stays reserved without a heartbeat before another worker may take it over");

    public WorkerCommand()
        : base("worker", "Run the ingestion worker alone: process queued uploads until stopped (Ctrl+C)")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(_concurrency);
        Options.Add(_leaseSeconds);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        // The host handles Ctrl+C and SIGTERM itself and waits for the job in hand to stop (a batch being embedded
        // takes seconds); System.CommandLine's handler would end the process 2 s after the signal. Set before the
        // first await, which is when System.CommandLine reads it.
        parse.InvocationConfiguration.ProcessTerminationTimeout = null;
        var data = DataDirectory.Resolve(parse.GetValue(CliOptions.Data));
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
        builder.Logging.ClearProviders()
            .AddSimpleConsole(console =>
            {
                console.SingleLine = true;
                console.TimestampFormat = "HH:mm:ss ";
            })
            .Services.Configure<ConsoleLoggerOptions>(console => console.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Configuration.AddInMemoryCollection(CliOptions.ConfigurationOverrides(parse));
        var compute = ComputeOptions.Read(builder.Configuration);
        builder.Services
            .AddQwenRag(data, compute: compute)
            .AddIngestionWorker(WorkerOptions(parse, builder.Configuration));
        builder.AddQwenRagTelemetry();
        compute.ApplyToThreadPool();
        using var host = builder.Build();
        try
        {
            await host.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // stopped while starting
        }

        return 0;
    }

    /// <summary><c>QwenRag:Worker</c> from the configuration (environment), with the flags given on the command line over it.</summary>
    private IngestionWorkerOptions WorkerOptions(ParseResult parse, IConfiguration configuration)
    {
        var options = configuration.GetSection(IngestionWorkerOptions.SectionName).Get<IngestionWorkerOptions>() ?? new IngestionWorkerOptions();
        if (parse.GetResult(_concurrency) is { Implicit: false })
        {
            options = options with { MaxConcurrentJobs = parse.GetValue(_concurrency) };
        }

        if (parse.GetResult(_leaseSeconds) is { Implicit: false })
        {
            options = options with { LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(_leaseSeconds)) };
        }

        return options;
    }
}
