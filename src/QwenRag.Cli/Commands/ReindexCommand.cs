using System.CommandLine;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag reindex</c>: a set's chunks and indexes rebuilt from the kept originals.</summary>
internal sealed class ReindexCommand : Command
{
    private readonly Option<string> _set = CliOptions.Set();

    public ReindexCommand()
        : base("reindex", "Rebuild a set's chunks and indexes from the kept originals")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(_set);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var name = parse.GetValue(_set)!;
        context.Get<DocumentCatalog>().RequireSet(name);

        var outcomes = await context.Get<DocumentIngestor>().ReindexSetAsync(name, null, cancellationToken);
        foreach (var outcome in outcomes)
        {
            Console.Error.WriteLine(outcome.Succeeded
                ? $"reindexed {outcome.DocumentName} ({outcome.Chunks} chunks)"
                : $"failed: {outcome.Error}");
        }

        return outcomes.All(o => o.Succeeded) ? 0 : CommandErrors.Failure;
    }
}
