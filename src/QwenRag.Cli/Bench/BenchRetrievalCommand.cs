using System.CommandLine;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench retrieval</c>: recall@k, MRR and latency of search over questions with known answer pages; with
/// <c>--reranker</c>, first in fused order and then reranked, once per <c>--candidates</c> count.
/// </summary>
internal sealed class BenchRetrievalCommand : Command
{
    private readonly Option<string> _set = CliOptions.Set();

    private readonly Option<string> _questions = new("--questions")
    {
        Description = "JSON lines of {\"id\",\"question\",\"document\",\"page\"}",
        Required = true,
    };

    private readonly Option<int[]> _candidates = new("--candidates")
    {
        Description = $"With --reranker: fused candidates reranked per search (repeatable, 1-{RerankingOptions.MaxCandidates}; default QwenRag:Reranking:Candidates, else {RerankingOptions.DefaultCandidates})",
        AllowMultipleArgumentsPerToken = false,
    };

    private readonly Option<bool> _json = CliOptions.Json();

    public BenchRetrievalCommand()
        : base("retrieval", "Recall@k, MRR and latency of search over questions with known answer pages")
    {
        Options.Add(CliOptions.Reranker);
        Options.Add(_set);
        Options.Add(_questions);
        Options.Add(_candidates);
        Options.Add(_json);
        _candidates.Validators.Add(result =>
        {
            foreach (var n in result.GetValueOrDefault<int[]>() ?? [])
            {
                if (n is < 1 or > RerankingOptions.MaxCandidates)
                {
                    result.AddError($"--candidates must be between 1 and {RerankingOptions.MaxCandidates} (was {n}).");
                }
            }
        });
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var withReranker = parse.GetValue(CliOptions.Reranker) is { Length: > 0 };
        if (!withReranker && parse.GetValue(_candidates) is { Length: > 0 })
        {
            throw new CommandFailedException("--candidates needs --reranker");
        }

        var set = parse.GetValue(_set)!;
        var items = RetrievalEvaluation.ReadQuestions(parse.GetValue(_questions)!);
        if (!withReranker)
        {
            var (result, reranker) = await EvaluateAsync(parse, null, set, items, cancellationToken);
            if (parse.GetValue(_json))
            {
                JsonOutput.Write(result);
                return 0;
            }

            Print(reranker is null ? "fused" : $"reranked by {reranker}", result);
            return 0;
        }

        // The fused order first (reranking switched off), then the same questions reranked with each candidate count.
        var (fused, _) = await EvaluateAsync(parse, new Dictionary<string, string?> { ["QwenRag:Reranking:Model"] = string.Empty }, set, items, cancellationToken);
        var reranked = new List<RerankedEvaluation>();
        int?[] counts = parse.GetValue(_candidates) is { Length: > 0 } given ? given.Select(n => (int?)n).ToArray() : [null];
        foreach (var count in counts)
        {
            var overrides = new Dictionary<string, string?>();
            if (count is { } n)
            {
                overrides["QwenRag:Reranking:Candidates"] = n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            await using var context = CliContext.Create(parse, overrides: overrides);
            var (result, reranker) = await EvaluateAsync(context, set, items, cancellationToken);
            reranked.Add(new RerankedEvaluation(reranker, context.Get<ConfiguredReranker>().Candidates, result));
        }

        if (parse.GetValue(_json))
        {
            JsonOutput.Write(new RerankingComparison(fused, reranked));
            return 0;
        }

        Print("fused", fused);
        foreach (var run in reranked)
        {
            Print($"reranked by {run.Reranker}, {run.Candidates} candidates", run.Result);
        }

        return 0;
    }

    private static async Task<(RetrievalEvaluation Result, string? Reranker)> EvaluateAsync(
        ParseResult parse, IReadOnlyDictionary<string, string?>? overrides, string set, IReadOnlyList<RetrievalQuestion> items, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse, overrides: overrides);
        return await EvaluateAsync(context, set, items, cancellationToken);
    }

    private static async Task<(RetrievalEvaluation Result, string? Reranker)> EvaluateAsync(
        CliContext context, string set, IReadOnlyList<RetrievalQuestion> items, CancellationToken cancellationToken)
    {
        var query = context.Get<QueryService>();

        // One search before the timed ones, so that the sessions' first-run costs are not counted as a query's.
        string? reranker = null;
        if (items.Count > 0)
        {
            reranker = (await query.SearchAsync(new SearchFilter(set), items[0].Question, 10, cancellationToken)).Reranker;
        }

        return (await RetrievalEvaluation.RunAsync(query, set, items, cancellationToken), reranker);
    }

    private static void Print(string label, RetrievalEvaluation result)
    {
        Console.WriteLine($"{label}: {result.Questions} questions: recall@1 {result.RecallAt1:P1}, recall@5 {result.RecallAt5:P1}, " +
            $"recall@10 {result.RecallAt10:P1}, MRR {result.MeanReciprocalRank:0.000}");
        Console.WriteLine($"  search latency p50 {result.LatencyP50Ms:0.0} ms, p99 {result.LatencyP99Ms:0.0} ms (warm)");
        foreach (var miss in result.Misses)
        {
            Console.WriteLine($"  not in top 5: {miss}");
        }
    }
}
