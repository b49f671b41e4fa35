using System.CommandLine;
using QwenRag.Hosting;

namespace QwenRag.Cli.Bench;

/// <summary><c>qwenrag bench retrieval</c>: recall@k, MRR and latency of search over questions with known answer pages.</summary>
internal sealed class BenchRetrievalCommand : Command
{
    private readonly Option<string> _set = CliOptions.Set();

    private readonly Option<string> _questions = new("--questions")
    {
        Description = "JSON lines of {\"id\",\"question\",\"document\",\"page\"}",
        Required = true,
    };

    private readonly Option<bool> _json = CliOptions.Json();

    public BenchRetrievalCommand()
        : base("retrieval", "Recall@k, MRR and latency of search over questions with known answer pages")
    {
        Options.Add(_set);
        Options.Add(_questions);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        await using var context = CliContext.Create(parse);
        var items = RetrievalEvaluation.ReadQuestions(parse.GetValue(_questions)!);
        var result = await RetrievalEvaluation.RunAsync(context.Get<QueryService>(), parse.GetValue(_set)!, items, cancellationToken);
        if (parse.GetValue(_json))
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
    }
}
