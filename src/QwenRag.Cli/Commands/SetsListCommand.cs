using System.CommandLine;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag sets list</c>.</summary>
internal sealed class SetsListCommand : Command
{
    private readonly Option<bool> _json = CliOptions.Json();

    public SetsListCommand()
        : base("list", "List the sets with their document, page and chunk counts")
    {
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var sets = context.Get<IDocumentCatalog>().ListSets();
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new { sets });
            return 0;
        }

        foreach (var set in sets)
        {
            Console.WriteLine($"{set.Name}\t{set.Documents} documents\t{set.Pages} pages\t{set.Chunks} chunks");
        }

        return 0;
    }
}
