using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Hosting.Worker;

namespace QwenRag.Cli.Commands;

internal static class WorkerCommand
{
    public static Command Create()
    {
        var concurrency = new Option<int>("--concurrency")
        {
            Description = "Jobs processed at once (1-64, default 1)",
            DefaultValueFactory = _ => 1,
        };
        concurrency.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 or > 64)
            {
                result.AddError("--concurrency must be between 1 and 64.");
            }
        });
        var leaseSeconds = new Option<int>("--lease-seconds")
        {
            Description = "Seconds a claimed job stays reserved without a heartbeat before another worker may take it over (5-3600, default 30)",
            DefaultValueFactory = _ => 30,
        };
        leaseSeconds.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 5 or > 3600)
            {
                result.AddError("--lease-seconds must be between 5 and 3600.");
            }
        });
        var command = new Command("worker", "Run the ingestion worker alone: process queued uploads until stopped (Ctrl+C)")
        {
            concurrency, leaseSeconds,
        };
        command.SetAction(async (parse, cancellationToken) =>
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
            builder.Services
                .AddQwenRag(data, IngestionConfiguration.Read(builder.Configuration))
                .AddIngestionWorker(new IngestionWorkerOptions
                {
                    MaxConcurrentJobs = parse.GetValue(concurrency),
                    LeaseDuration = TimeSpan.FromSeconds(parse.GetValue(leaseSeconds)),
                });
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
        });
        return command;
    }
}
