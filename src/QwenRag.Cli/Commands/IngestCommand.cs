using System.CommandLine;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using Spectre.Console;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag ingest</c>: files and folders added to a set, with progress on stderr.</summary>
internal sealed class IngestCommand : Command
{
    private readonly Argument<string[]> _paths = new("paths")
    {
        Description = "Files or folders (folders are searched recursively for supported files)",
        Arity = ArgumentArity.OneOrMore,
    };

    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<string[]> _tags = CliOptions.Tags();
    private readonly Option<bool> _json = CliOptions.Json();

    public IngestCommand()
        : base("ingest", "Add documents to a set (PDF, Markdown, HTML, text, DOCX)")
    {
        Arguments.Add(_paths);
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(_set);
        Options.Add(_tags);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var extractors = context.Get<DocumentExtractors>();
        var (files, missing) = InputFiles.Expand(parse.GetValue(_paths)!, path => extractors.TryResolve(path, null, out _));
        var outcomes = missing
            .Select(path => new IngestionOutcome(path, IngestionStatus.Failed, Error: $"{path}: no such file or folder"))
            .ToList();
        var ingestor = context.Get<DocumentIngestor>();
        await ingestor.ResumeInterruptedAsync(cancellationToken: cancellationToken);
        outcomes.AddRange(await IngestAllAsync(
            ingestor, parse.GetValue(_set)!, files, parse.GetValue(_tags) ?? [], cancellationToken));

        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new
            {
                documents = outcomes,
                ingested = outcomes.Count(o => o.Status is IngestionStatus.Ingested or IngestionStatus.Replaced),
                unchanged = outcomes.Count(o => o.Status == IngestionStatus.Unchanged),
                failed = outcomes.Count(o => o.Status == IngestionStatus.Failed),
            });
        }

        PrintSummary(outcomes);
        return outcomes.Any(o => o.Succeeded) ? 0 : CommandErrors.Failure;
    }

    private static async Task<List<IngestionOutcome>> IngestAllAsync(
        DocumentIngestor ingestor, string set, IReadOnlyList<string> files, string[] tags, CancellationToken cancellationToken)
    {
        var outcomes = new List<IngestionOutcome>();
        if (Console.IsErrorRedirected)
        {
            foreach (var file in files)
            {
                var outcome = await ingestor.IngestFileAsync(set, file, tags, null, cancellationToken);
                Console.Error.WriteLine($"[{outcomes.Count + 1}/{files.Count}] {Describe(outcome)}");
                outcomes.Add(outcome);
            }

            return outcomes;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        await console.Progress()
            .Columns(
                new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(),
                new ElapsedTimeColumn(), new RemainingTimeColumn())
            .StartAsync(async progressContext =>
            {
                var total = progressContext.AddTask($"{files.Count} files", maxValue: files.Count);
                foreach (var file in files)
                {
                    var current = progressContext.AddTask(Markup.Escape(Path.GetFileName(file)), maxValue: 1);
                    var progress = new Progress<IngestionProgress>(p => current.Value = p.Fraction);
                    var outcome = await ingestor.IngestFileAsync(set, file, tags, progress, cancellationToken);
                    current.Value = 1;
                    current.Description = Markup.Escape(Describe(outcome));
                    current.StopTask();
                    total.Increment(1);
                    outcomes.Add(outcome);
                }
            });
        return outcomes;
    }

    private static void PrintSummary(List<IngestionOutcome> outcomes)
    {
        foreach (var failure in outcomes.Where(o => !o.Succeeded))
        {
            Console.Error.WriteLine($"failed: {failure.Error}");
        }

        Console.Error.WriteLine(
            $"{outcomes.Count(o => o.Status is IngestionStatus.Ingested or IngestionStatus.Replaced)} ingested, " +
            $"{outcomes.Count(o => o.Status == IngestionStatus.Unchanged)} unchanged, " +
            $"{outcomes.Count(o => !o.Succeeded)} failed; " +
            $"{outcomes.Sum(o => o.Pages)} pages, {outcomes.Sum(o => o.Chunks)} chunks");
    }

    private static string Describe(IngestionOutcome outcome) => outcome.Status switch
    {
        IngestionStatus.Failed => $"failed {outcome.DocumentName}",
        _ => $"{outcome.Status.ToString().ToLowerInvariant()} {outcome.DocumentName} ({outcome.Pages} pages, {outcome.Chunks} chunks)",
    };
}
