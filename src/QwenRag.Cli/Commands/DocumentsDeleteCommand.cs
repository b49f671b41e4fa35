using System.CommandLine;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag documents delete</c>.</summary>
internal sealed class DocumentsDeleteCommand : Command
{
    private readonly Argument<string> _id = new("id") { Description = "Document id (from 'documents list')" };
    private readonly Option<string> _set = CliOptions.Set();

    public DocumentsDeleteCommand()
        : base("delete", "Delete a document from every index")
    {
        Arguments.Add(_id);
        Options.Add(_set);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var name = parse.GetValue(_set)!;
        var id = parse.GetValue(_id)!;
        context.Get<IDocumentCatalog>().RequireSet(name);

        if (!await context.Get<DocumentIngestor>().DeleteDocumentAsync(name, id, cancellationToken))
        {
            throw new CommandFailedException($"set '{name}' has no document '{id}'");
        }

        Console.Error.WriteLine($"deleted {id} from {name}");
        return 0;
    }
}
