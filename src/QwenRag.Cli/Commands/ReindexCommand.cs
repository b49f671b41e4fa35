using System.CommandLine;
using QwenRag.Hosting.Qdrant;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;
using Spectre.Console;

namespace QwenRag.Cli.Commands;

/// <summary>
/// <c>qwenrag reindex</c>: a set's chunks and indexes rebuilt from the kept originals, re-embedded with the process's
/// model (<c>--embedding</c> or <c>QwenRag:Embedding:Model</c>), which the set then records. <c>--embedding</c>
/// without <c>--set</c> does every set: in the embedded store one after the other, in Qdrant into a new collection
/// for that model, switched to atomically.
/// </summary>
internal sealed class ReindexCommand : Command
{
    private readonly Option<string?> _set = new("--set") { Description = "Document set name (with --embedding and no --set: every set)" };

    public ReindexCommand()
        : base("reindex", "Rebuild a set's chunks and indexes from the kept originals; with --embedding MODEL, re-embed with that model (every set without --set)")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(_set);
        Validators.Add(result =>
        {
            var set = result.GetValue(_set);
            if (result.GetValue(CliOptions.Embedding) is not { Length: > 0 } && set is not { Length: > 0 })
            {
                result.AddError("Give --set NAME, --embedding MODEL (every set), or both.");
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
        var model = parse.GetValue(CliOptions.Embedding);
        var name = parse.GetValue(_set);
        if (name is not { Length: > 0 } && context.QdrantEnabled)
        {
            var rebuild = context.Get<CollectionRebuild>();
            var report = await WithProgressAsync(
                "every set", progress => rebuild.RunAsync(model!, progress, cancellationToken));
            Print(report.Outcomes);
            Console.Error.WriteLine(report.Switched
                ? $"alias now points at '{report.Collection}'" + (report.Previous is null ? string.Empty : $"; dropped '{report.Previous}'")
                : $"not switched: some documents failed; '{report.Collection}' dropped, '{report.Previous}' still serves");
            return report.Switched ? 0 : CommandErrors.Failure;
        }

        var catalog = context.Get<IDocumentCatalog>();
        var ingestor = context.Get<DocumentIngestor>();
        string[] sets;
        if (name is { Length: > 0 })
        {
            catalog.RequireSet(name);
            if (context.QdrantEnabled && catalog.FindSetEmbedding(name) is { } stamp && ingestor.ProcessModel() is { } process
                && !string.Equals(stamp.Model, process.ModelId, StringComparison.OrdinalIgnoreCase))
            {
                // One Qdrant collection holds one model: a switch rebuilds every set into the next collection.
                throw new CommandFailedException(
                    $"Set '{name}' was embedded with {stamp.Model}; in Qdrant one collection holds one model, so switching to "
                    + $"{process.ModelId} rebuilds every set: run `qwenrag reindex --embedding {process.ModelId} --qdrant URL` without --set.");
            }

            sets = [name];
        }
        else
        {
            sets = catalog.ListSets().Select(s => s.Name).ToArray();
        }

        var outcomes = new List<IngestionOutcome>();
        foreach (var set in sets)
        {
            var done = await WithProgressAsync(set, progress => ingestor.ReindexSetAsync(set, progress, cancellationToken));
            Print(done);
            outcomes.AddRange(done);
            var stamp = catalog.FindSetEmbedding(set);
            Console.Error.WriteLine(stamp is { PendingModel: { } pending }
                ? $"set '{set}': still being switched to {pending} (some documents failed); run the same command again"
                : $"set '{set}': embedded with {stamp?.Model ?? "(no documents)"}");
        }

        return outcomes.All(o => o.Succeeded) ? 0 : CommandErrors.Failure;
    }

    /// <summary>Runs <paramref name="work"/> with a bar per document on a terminal, as <c>ingest</c> shows it; plain otherwise.</summary>
    private static async Task<T> WithProgressAsync<T>(string what, Func<IProgress<IngestionProgress>?, Task<T>> work)
    {
        if (Console.IsErrorRedirected)
        {
            return await work(null);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        return await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async progressContext =>
            {
                ProgressTask? current = null;
                var label = string.Empty;
                var progress = new Progress<IngestionProgress>(p =>
                {
                    if (current is null || label != p.DocumentName)
                    {
                        current?.StopTask();
                        label = p.DocumentName;
                        current = progressContext.AddTask(Markup.Escape($"{what}: {p.DocumentName}"), maxValue: 1);
                    }

                    current.Value = p.Fraction;
                });
                var result = await work(progress);
                current?.StopTask();
                return result;
            });
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
