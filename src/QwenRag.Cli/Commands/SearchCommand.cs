using System.CommandLine;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag search</c>: the passages of a set that best match a query.</summary>
internal sealed class SearchCommand : Command
{
    private readonly Argument<string> _query = new("query") { Description = "What to look for" };
    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<int> _top = CliOptions.Top(QueryLimits.DefaultSearchTop);
    private readonly Option<string[]> _documents = new("--document") { Description = "Only this document id (repeatable)" };
    private readonly Option<string[]> _tags = CliOptions.Tags();
    private readonly Option<bool> _json = CliOptions.Json();

    public SearchCommand()
        : base("search", "Find the passages of a set that best match a query (dense + BM25, fused)")
    {
        Arguments.Add(_query);
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(CliOptions.Reranker);
        Options.Add(_set);
        Options.Add(_top);
        Options.Add(_documents);
        Options.Add(_tags);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var text = parse.GetValue(_query)!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CommandFailedException("the query is empty");
        }

        await using var context = CliContext.Create(parse);
        var filter = new SearchFilter(parse.GetValue(_set)!)
        {
            DocumentIds = parse.GetValue(_documents),
            Tags = parse.GetValue(_tags),
        };
        var response = await context.Get<QueryService>().SearchAsync(filter, text, parse.GetValue(_top), cancellationToken);
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(response);
            return 0;
        }

        if (response.Reranker is { } reranker)
        {
            Console.WriteLine($"(reranked by {reranker}; scores are its relevance scores)");
        }

        var rank = 0;
        foreach (var result in response.Results)
        {
            var pages = result.Page == result.PageEnd ? $"p. {result.Page}" : $"pp. {result.Page}-{result.PageEnd}";
            Console.WriteLine($"{++rank}. {result.Document} {pages}  (score {result.Score:0.0000})");
            Console.WriteLine($"   {Snippet(result.Text)}");
        }

        if (rank == 0)
        {
            Console.WriteLine("No results.");
        }

        return 0;
    }

    private static string Snippet(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 240 ? flat : flat[..240] + "…";
    }
}
