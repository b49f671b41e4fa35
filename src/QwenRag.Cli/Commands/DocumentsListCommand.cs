using System.CommandLine;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag documents list</c>.</summary>
internal sealed class DocumentsListCommand : Command
{
    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<bool> _json = CliOptions.Json();

    public DocumentsListCommand()
        : base("list", "List a set's documents")
    {
        Options.Add(_set);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var catalog = context.Get<IDocumentCatalog>();
        var name = parse.GetValue(_set)!;
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
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new { documents });
            return 0;
        }

        foreach (var d in documents)
        {
            Console.WriteLine($"{d.id}\t{d.name}\t{d.status}\t{d.pages} pages\t{d.chunks} chunks\t{d.ingestedAt:u}");
        }

        return 0;
    }
}
