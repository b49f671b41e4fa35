using System.CommandLine;
using QwenRag.Hosting.Qdrant;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Cli.Commands;

/// <summary>
/// <c>qwenrag reindex</c>: a set's chunks and indexes rebuilt from the kept originals; with <c>--embedding</c>,
/// every set rebuilt into a new Qdrant collection for that model, switched to atomically.
/// </summary>
internal sealed class ReindexCommand : Command
{
    private readonly Option<string?> _set = new("--set") { Description = "Document set name" };

    private readonly Option<string?> _embedding = new("--embedding")
    {
        Description = "Rebuild every set into a new Qdrant collection for this embedding model, then switch the alias to it (needs --qdrant)",
        HelpName = "MODEL",
    };

    public ReindexCommand()
        : base("reindex", "Rebuild a set's chunks and indexes from the kept originals, or (--embedding) the whole Qdrant index for a model")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(_set);
        Options.Add(_embedding);
        Validators.Add(result =>
        {
            var set = result.GetValue(_set);
            if ((result.GetValue(_embedding) is { Length: > 0 }) == (set is { Length: > 0 }))
            {
                result.AddError("Give either --set NAME or --embedding MODEL.");
            }
            else if (set is { Length: > 0 } && !Core.SetName.IsValid(set))
            {
                result.AddError($"Invalid set name '{set}': {Core.SetName.Rule}.");
            }
        });
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        IReadOnlyList<IngestionOutcome> outcomes;
        if (parse.GetValue(_embedding) is { Length: > 0 } model)
        {
            if (!context.QdrantEnabled)
            {
                throw new CommandFailedException("--embedding rebuilds a Qdrant collection: give --qdrant URL (or QwenRag__Qdrant__Url).");
            }

            var report = await context.Get<CollectionRebuild>().RunAsync(model, null, cancellationToken);
            outcomes = report.Outcomes;
            Print(outcomes);
            Console.Error.WriteLine(report.Switched
                ? $"alias now points at '{report.Collection}'" + (report.Previous is null ? string.Empty : $"; dropped '{report.Previous}'")
                : $"not switched: some documents failed; '{report.Collection}' dropped, '{report.Previous}' still serves");
            return report.Switched ? 0 : CommandErrors.Failure;
        }

        var name = parse.GetValue(_set)!;
        context.Get<IDocumentCatalog>().RequireSet(name);
        outcomes = await context.Get<DocumentIngestor>().ReindexSetAsync(name, null, cancellationToken);
        Print(outcomes);
        return outcomes.All(o => o.Succeeded) ? 0 : CommandErrors.Failure;
    }

    private static void Print(IReadOnlyList<IngestionOutcome> outcomes)
    {
        foreach (var outcome in outcomes)
        {
            Console.Error.WriteLine(outcome.Succeeded
                ? $"reindexed {outcome.DocumentName} ({outcome.Chunks} chunks)"
                : $"failed: {outcome.Error}");
        }
    }
}
