using System.CommandLine;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

internal static class ReindexCommand
{
    public static Command Create()
    {
        var set = CliOptions.Set();
        var command = new Command("reindex", "Rebuild a set's chunks and indexes from the kept originals") { set };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var context = CliContext.Create(parse);
            var name = parse.GetValue(set)!;
            context.Get<DocumentCatalog>().RequireSet(name);

            var outcomes = await context.Get<DocumentIngestor>().ReindexSetAsync(name, null, cancellationToken);
            foreach (var outcome in outcomes)
            {
                Console.Error.WriteLine(outcome.Succeeded
                    ? $"reindexed {outcome.DocumentName} ({outcome.Chunks} chunks)"
                    : $"failed: {outcome.Error}");
            }

            return outcomes.All(o => o.Succeeded) ? 0 : CommandErrors.Failure;
        }));
        return command;
    }
}
