using System.CommandLine;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

internal static class DocumentsCommand
{
    public static Command Create()
    {
        var command = new Command("documents", "List or delete the documents of a set");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Delete());
        return command;
    }

    private static Command List()
    {
        var set = CliOptions.Set();
        var json = CliOptions.Json();
        var command = new Command("list", "List a set's documents") { set, json };
        command.SetAction((parse, _) => CommandErrors.RunAsync(async () =>
        {
            await using var context = CliContext.Create(parse);
            var catalog = context.Get<DocumentCatalog>();
            var name = parse.GetValue(set)!;
            catalog.RequireSet(name);

            var documents = catalog.List(name).Select(d => new
            {
                id = d.Id,
                name = d.Name,
                status = d.Status.ToString().ToLowerInvariant(),
                pages = d.Pages,
                chunks = d.Chunks,
                bytes = d.Bytes,
                tags = d.Tags,
                ingestedAt = d.IngestedAt,
            }).ToArray();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(new { documents });
                return 0;
            }

            foreach (var d in documents)
            {
                Console.WriteLine($"{d.id}\t{d.name}\t{d.status}\t{d.pages} pages\t{d.chunks} chunks\t{d.ingestedAt:u}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Delete()
    {
        var id = new Argument<string>("id") { Description = "Document id (from 'documents list')" };
        var set = CliOptions.Set();
        var command = new Command("delete", "Delete a document from every index") { id, set };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var context = CliContext.Create(parse);
            var name = parse.GetValue(set)!;
            context.Get<DocumentCatalog>().RequireSet(name);

            var deleted = await context.Get<DocumentIngestor>().DeleteDocumentAsync(name, parse.GetValue(id)!, cancellationToken);
            if (!deleted)
            {
                return CommandErrors.Report($"set '{name}' has no document '{parse.GetValue(id)}'");
            }

            Console.Error.WriteLine($"deleted {parse.GetValue(id)} from {name}");
            return 0;
        }));
        return command;
    }
}
