using System.CommandLine;
using System.Diagnostics;
using QwenRag.Hosting;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Cli.Commands;

/// <summary>Macro benchmarks a user can run on their own hardware.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Measure ingestion, retrieval, vector search, HTTP and generation on this machine");
        command.Subcommands.Add(Ingest());
        command.Subcommands.Add(Retrieval());
        command.Subcommands.Add(Vectors());
        command.Subcommands.Add(ColdStart());
        command.Subcommands.Add(BenchHttpCommand.Create());
        command.Subcommands.Add(BenchGenerateCommand.Create());
        return command;
    }

    private static Command Ingest()
    {
        var paths = new Argument<string[]>("paths") { Description = "Files or folders", Arity = ArgumentArity.OneOrMore };
        var json = CliOptions.Json();
        var command = new Command("ingest", "Ingestion throughput (pages/s, chunks/s) and where the time goes") { paths, json };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var extractors = DocumentExtractors.CreateDefault();
            var (files, missing) = InputFiles.Expand(parse.GetValue(paths)!, path => extractors.TryResolve(path, null, out _));
            if (missing.Count > 0)
            {
                return CommandErrors.Report($"not found: {string.Join(", ", missing)}");
            }

            var result = await IngestionBenchmark.RunAsync(files, cancellationToken);
            if (parse.GetValue(json))
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
        }));
        return command;
    }

    private static Command Retrieval()
    {
        var set = CliOptions.Set();
        var questions = new Option<string>("--questions")
        {
            Description = "JSON lines of {\"id\",\"question\",\"document\",\"page\"}",
            Required = true,
        };
        var json = CliOptions.Json();
        var command = new Command("retrieval", "Recall@k, MRR and latency of search over questions with known answer pages")
        {
            set, questions, json,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            await using var context = CliContext.Create(parse);
            var items = RetrievalEvaluation.ReadQuestions(parse.GetValue(questions)!);
            var result = await RetrievalEvaluation.RunAsync(context.Get<QueryService>(), parse.GetValue(set)!, items, cancellationToken);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(result);
                return 0;
            }

            Console.WriteLine($"{result.Questions} questions: recall@1 {result.RecallAt1:P1}, recall@5 {result.RecallAt5:P1}, " +
                $"recall@10 {result.RecallAt10:P1}, MRR {result.MeanReciprocalRank:0.000}");
            Console.WriteLine($"search latency p50 {result.LatencyP50Ms:0.0} ms, p99 {result.LatencyP99Ms:0.0} ms (warm)");
            foreach (var miss in result.Misses)
            {
                Console.WriteLine($"  not in top 5: {miss}");
            }

            return 0;
        }));
        return command;
    }

    private static Command Vectors()
    {
        var count = new Option<int>("--count") { Description = "Vectors to index", DefaultValueFactory = _ => 10_000 };
        var json = CliOptions.Json();
        var command = new Command("vectors", "Vector store insert rate, open time, search p50/p99 and ANN recall@10 on clustered 384-d vectors")
        {
            count, json,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var result = await QwenRag.Retrieval.Vectors.VectorStoreBenchmark.Run(parse.GetValue(count), cancellationToken: cancellationToken);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(result);
            }
            else
            {
                Console.WriteLine(result);
            }

            return 0;
        }));
        return command;
    }

    private static Command ColdStart()
    {
        var set = CliOptions.Set();
        var query = new Option<string>("--query") { Description = "Query to search for", DefaultValueFactory = _ => "introduction" };
        var runs = new Option<int>("--runs") { Description = "Processes to start", DefaultValueFactory = _ => 5 };
        var command = new Command("cold-start", "Wall time of a whole 'qwenrag search' process, start to exit") { set, query, runs };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var data = parse.GetValue(CliOptions.Data);
            var times = new List<double>();
            for (var i = 0; i < parse.GetValue(runs); i++)
            {
                var start = SelfProcess.StartInfo(["search", parse.GetValue(query)!, "--set", parse.GetValue(set)!, "--json"]);
                if (data is not null)
                {
                    start.ArgumentList.Add("--data");
                    start.ArgumentList.Add(data);
                }

                var clock = Stopwatch.StartNew();
                using var process = Process.Start(start)!;
                await process.StandardOutput.ReadToEndAsync(cancellationToken);
                await process.WaitForExitAsync(cancellationToken);
                times.Add(clock.Elapsed.TotalMilliseconds);
                if (process.ExitCode != 0)
                {
                    return CommandErrors.Report($"search exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
                }
            }

            times.Sort();
            Console.WriteLine($"cold 'qwenrag search': median {times[times.Count / 2]:0} ms, min {times[0]:0} ms, max {times[^1]:0} ms over {times.Count} runs");
            return 0;
        }));
        return command;
    }
}
