using System.CommandLine;
using Microsoft.Extensions.Hosting;
using QwenRag.Api;
using QwenRag.Core;
using QwenRag.Generation.Answering;

namespace QwenRag.Cli.Commands;

internal static class ServeCommand
{
    public static Command Create()
    {
        var urls = new Option<string>("--urls")
        {
            Description = $"Where to listen (default {QwenRagApi.DefaultUrl}); beyond loopback only with API keys configured",
        };
        var model = CliOptions.AnswerModel();
        var device = CliOptions.Device();
        var maxQueued = new Option<int?>("--max-queued")
        {
            Description = $"Questions that may wait while the model answers another (default {QwenModelOptions.DefaultMaxQueuedRequests}); " +
                "beyond them a question gets 429",
            HelpName = "N",
        };
        maxQueued.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int?>() is < 0)
            {
                result.AddError("--max-queued must be 0 or more.");
            }
        });
        var command = new Command("serve", "Run the REST API and the ingestion worker over the data directory")
        {
            urls, model, device, maxQueued,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            // The host stops gracefully on Ctrl+C/SIGTERM; System.CommandLine would otherwise end the process 2 s in.
            parse.InvocationConfiguration.ProcessTerminationTimeout = null;
            var data = DataDirectory.Resolve(parse.GetValue(CliOptions.Data));
            var args = new List<string> { "--QwenRag:DataDirectory", data.Root };
            if (parse.GetValue(urls) is { Length: > 0 } listen)
            {
                args.AddRange(["--urls", listen]);
            }

            if (parse.GetValue(model) is { Length: > 0 } modelDirectory)
            {
                args.AddRange(["--QwenRag:ModelDirectory", Path.GetFullPath(modelDirectory)]);
            }

            // Passed only when given, so that appsettings.json and environment variables still apply otherwise.
            if (parse.GetResult(device) is { Implicit: false })
            {
                args.AddRange([$"--{GenerationOptions.SectionName}:Device", parse.GetValue(device).ToString().ToLowerInvariant()]);
            }

            if (parse.GetValue(maxQueued) is { } queued)
            {
                args.AddRange([$"--{GenerationOptions.SectionName}:MaxQueuedRequests", queued.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
            }

            try
            {
                await using var app = QwenRagApi.Build([.. args]);
                await app.StartAsync(cancellationToken);
                await app.WaitForShutdownAsync(cancellationToken);
                return 0;
            }
            catch (InvalidOperationException ex)
            {
                return CommandErrors.Report(ex.Message);
            }
            catch (Microsoft.Extensions.Options.OptionsValidationException ex)
            {
                return CommandErrors.Report(ex.Message);
            }
            catch (ArgumentException ex)
            {
                return CommandErrors.Report($"invalid configuration: {ex.Message}");
            }
        });
        return command;
    }
}
