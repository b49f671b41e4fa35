using System.CommandLine;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Cli.Bench;

/// <summary><c>qwenrag bench ingest</c>: ingestion throughput and where the time goes.</summary>
internal sealed class BenchIngestCommand : Command
{
    private readonly Argument<string[]> _paths = new("paths") { Description = "Files or folders", Arity = ArgumentArity.OneOrMore };
    private readonly Option<bool> _json = CliOptions.Json();

    public BenchIngestCommand()
        : base("ingest", "Ingestion throughput (pages/s, chunks/s) and where the time goes")
    {
        Arguments.Add(_paths);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var extractors = DocumentExtractors.CreateDefault();
        var (files, missing) = InputFiles.Expand(parse.GetValue(_paths)!, path => extractors.TryResolve(path, null, out _));
        if (missing.Count > 0)
        {
            throw new CommandFailedException($"not found: {string.Join(", ", missing)}");
        }

        var result = await IngestionBenchmark.RunAsync(files, CliOptions.ConfigurationOverrides(parse), cancellationToken);
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(result);
            return 0;
        }

        Console.WriteLine($"{result.Files} files, {result.Pages} pages, {result.Chunks} chunks");
        Console.WriteLine($"  extract    {result.Extract.TotalSeconds,8:0.00} s");
        Console.WriteLine($"  model load {result.ModelLoad.TotalSeconds,8:0.00} s (once per process)");
        Console.WriteLine($"  chunk      {result.Chunking.TotalSeconds,8:0.00} s");
        Console.WriteLine($"  embed      {result.Embed.TotalSeconds,8:0.00} s");
        Console.WriteLine($"  write      {result.Write.TotalSeconds,8:0.00} s");
        Console.WriteLine($"  {result.PagesPerSecond:0.0} pages/s, {result.ChunksPerSecond:0.0} chunks/s (model load excluded)");
        Console.WriteLine($"  peak working set {result.PeakWorkingSetBytes / (1024 * 1024)} MiB");
        return 0;
    }
}
