using System.Diagnostics;
using System.Text.Json;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Cli.Bench;

/// <summary>
/// How well search finds the page that answers each question: a hit is a result from the expected document
/// whose page span covers the expected page.
/// </summary>
internal sealed record RetrievalEvaluation(
    int Questions,
    double RecallAt1,
    double RecallAt5,
    double RecallAt10,
    double MeanReciprocalRank,
    double LatencyP50Ms,
    double LatencyP99Ms,
    IReadOnlyList<string> Misses,
    IReadOnlyDictionary<string, int?>? Ranks = null)
{
    public static IReadOnlyList<RetrievalQuestion> ReadQuestions(string path) =>
        File.ReadLines(path)
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Select(line => JsonSerializer.Deserialize<RetrievalQuestion>(line, JsonSerializerOptions.Web)
                ?? throw new FormatException($"{path}: a line is not a question: {line}"))
            .ToArray();

    public static async Task<RetrievalEvaluation> RunAsync(
        QueryService query, string set, IReadOnlyList<RetrievalQuestion> questions, CancellationToken cancellationToken = default)
    {
        var ranks = new List<int?>();
        var latencies = new List<double>();
        var misses = new List<string>();
        var ranksById = new Dictionary<string, int?>();
        foreach (var question in questions)
        {
            var started = Stopwatch.GetTimestamp();
            var response = await query.SearchAsync(new SearchFilter(set), question.Question, 10, cancellationToken);
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            var rank = response.Results
                .Select((result, index) => (result, index))
                .Where(x => x.result.Document == question.Document
                    && (question.Page is not { } page || (x.result.Page <= page && page <= x.result.PageEnd)))
                .Select(x => (int?)x.index + 1)
                .FirstOrDefault();
            ranks.Add(rank);
            ranksById[question.Id] = rank;
            if (rank is null or > 5)
            {
                misses.Add($"{question.Id} ({question.Document} p. {question.Page}): rank {rank?.ToString() ?? "> 10"}");
            }
        }

        latencies.Sort();
        var n = Math.Max(1, questions.Count);
        return new RetrievalEvaluation(
            questions.Count,
            ranks.Count(r => r == 1) / (double)n,
            ranks.Count(r => r <= 5) / (double)n,
            ranks.Count(r => r <= 10) / (double)n,
            ranks.Sum(r => r is { } value ? 1.0 / value : 0) / n,
            Percentile(latencies, 0.50),
            Percentile(latencies, 0.99),
            misses,
            ranksById);
    }

    private static double Percentile(List<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];
}
