using System.CommandLine;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

internal static class SetsCommand
{
    public static Command Create()
    {
        var command = new Command("sets", "List or delete document sets");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Delete());
        return command;
    }

    private static Command List()
    {
        var json = CliOptions.Json();
        var command = new Command("list", "List the sets with their document, page and chunk counts") { json };
        command.SetAction((parse, _) => CommandErrors.RunAsync(async () =>
        {
            await using var context = CliContext.Create(parse);
            var sets = context.Get<DocumentCatalog>().ListSets();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { sets });
                return 0;
            }

            foreach (var set in sets)
            {
                Console.WriteLine($"{set.Name}\t{set.Documents} documents\t{set.Pages} pages\t{set.Chunks} chunks");
            }

            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "The set to delete, with all its documents" };
        var command = new Command("delete", "Delete a set and everything in it") { name };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var set = SetName.Validate(parse.GetValue(name));
            await using var context = CliContext.Create(parse);
            context.Get<DocumentCatalog>().RequireSet(set);

            var deleted = await context.Get<DocumentIngestor>().DeleteSetAsync(set, cancellationToken);
            Console.Error.WriteLine($"deleted set {set} ({deleted} documents)");
            return 0;
        }));
        return command;
    }
}
