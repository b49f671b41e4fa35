using System.CommandLine;
using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Retrieval;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Vectors;
using Spectre.Console;

namespace QwenRag.Cli.Commands;

/// <summary>
/// <c>qwenrag migrate</c>: copies embedded sets into Qdrant as stored (no re-embedding), resumably, then verifies
/// the counts per document.
/// </summary>
internal sealed class MigrateCommand : Command
{
    private readonly Option<string?> _set = new("--set") { Description = "The set to copy" };
    private readonly Option<bool> _all = new("--all") { Description = "Copy every embedded set" };
    private readonly Option<string> _to = new("--to-qdrant") { Description = "Qdrant gRPC URL to copy into (e.g. http://localhost:6334)", Required = true, HelpName = "URL" };
    private readonly Option<int> _batch = CliOptions.Bounded("--batch", 1, 10_000, 256, "Points per upsert");

    public MigrateCommand()
        : base("migrate", "Copy embedded sets into Qdrant without re-embedding (resumable), then verify the counts per document")
    {
        Options.Add(_set);
        Options.Add(_all);
        Options.Add(_to);
        Options.Add(_batch);
        Validators.Add(result =>
        {
            var set = result.GetValue(_set);
            var all = result.GetValue(_all);
            if (all == set is { Length: > 0 })
            {
                result.AddError("Give either --set NAME or --all.");
            }
            else if (set is { Length: > 0 } && !SetName.IsValid(set))
            {
                result.AddError($"Invalid set name '{set}': {SetName.Rule}.");
            }
        });
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(
            parse, overrides: new Dictionary<string, string?> { ["QwenRag:Qdrant:Url"] = parse.GetValue(_to) });
        var embedded = context.Get<EmbeddedVectorStore>();
        var sets = parse.GetValue(_all) ? embedded.Sets.Order(StringComparer.Ordinal).ToList() : [parse.GetValue(_set)!];
        if (sets.Count == 0)
        {
            Console.Error.WriteLine("no embedded sets to copy");
            return 0;
        }

        // Vectors are copied as stored into the collection of this process's model: they must be that model's.
        var model = RetrievalServices.ModelOf(context.Get<IEmbeddingGenerator<string, Embedding<float>>>()).Name;
        var catalog = context.Get<IDocumentCatalog>();
        foreach (var set in sets)
        {
            catalog.RequireEmbeddingModel(set, model);
        }

        var migration = new QdrantMigration(embedded, context.Get<QdrantVectorStore>(), Path.Combine(context.Data.VectorsPath, "migrations"));
        var batch = parse.GetValue(_batch);
        var reports = new List<MigrationReport>();
        foreach (var set in sets)
        {
            reports.Add(await MigrateAsync(migration, set, batch, cancellationToken));
        }

        foreach (var report in reports)
        {
            Console.Error.WriteLine(report.Verified
                ? $"{report.Set}: {report.InQdrant} chunks of {report.Documents} documents in '{report.Collection}', verified{(report.Resumed ? " (resumed)" : string.Empty)}"
                : $"{report.Set}: NOT verified: {string.Join("; ", report.Mismatches)}");
        }

        return reports.All(r => r.Verified) ? 0 : CommandErrors.Failure;
    }

    private static async Task<MigrationReport> MigrateAsync(QdrantMigration migration, string set, int batch, CancellationToken cancellationToken)
    {
        if (Console.IsErrorRedirected)
        {
            var lastTenth = -1L;
            return await migration.MigrateAsync(set, batch, new Progress<MigrationProgress>(p =>
            {
                var tenth = p.Total == 0 ? 10 : p.Copied * 10 / p.Total;
                if (tenth != lastTenth)
                {
                    lastTenth = tenth;
                    Console.Error.WriteLine($"{p.Set}: {p.Copied}/{p.Total} chunks");
                }
            }), cancellationToken);
        }

        MigrationReport? report = null;
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var task = progressContext.AddTask(Markup.Escape(set), maxValue: 1);
                report = await migration.MigrateAsync(set, batch, new Progress<MigrationProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Copied;
                }), cancellationToken);
                task.Value = task.MaxValue;
            });
        return report!;
    }
}
