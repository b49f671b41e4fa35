using System.CommandLine;
using Microsoft.Extensions.Hosting;
using QwenRag.Api;
using QwenRag.Core;

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
        var command = new Command("serve", "Run the REST API and the ingestion worker over the data directory") { urls, model };
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
