using System.CommandLine;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag sets delete</c>.</summary>
internal sealed class SetsDeleteCommand : Command
{
    private readonly Argument<string> _name = new("name") { Description = "The set to delete, with all its documents" };

    public SetsDeleteCommand()
        : base("delete", "Delete a set and everything in it")
    {
        Arguments.Add(_name);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var set = SetName.Validate(parse.GetValue(_name));
        await using var context = CliContext.Create(parse);
        context.Get<IDocumentCatalog>().RequireSet(set);

        var deleted = await context.Get<DocumentIngestor>().DeleteSetAsync(set, cancellationToken);
        Console.Error.WriteLine($"deleted set {set} ({deleted} documents)");
        return 0;
    }
}
