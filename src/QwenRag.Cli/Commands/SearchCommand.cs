using System.CommandLine;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Cli.Commands;

internal static class SearchCommand
{
    public static Command Create()
    {
        var query = new Argument<string>("query") { Description = "What to look for" };
        var set = CliOptions.Set();
        var top = CliOptions.Top(5);
        var documents = new Option<string[]>("--document") { Description = "Only this document id (repeatable)" };
        var tags = CliOptions.Tags();
        var json = CliOptions.Json();
        var command = new Command("search", "Find the passages of a set that best match a query (dense + BM25, fused)")
        {
            query, set, top, documents, tags, json,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var text = parse.GetValue(query)!;
            if (string.IsNullOrWhiteSpace(text))
            {
                return CommandErrors.Report("the query is empty");
            }

            await using var context = CliContext.Create(parse);
            var filter = new SearchFilter(parse.GetValue(set)!)
            {
                DocumentIds = parse.GetValue(documents),
                Tags = parse.GetValue(tags),
            };
            var response = await context.Get<QueryService>().SearchAsync(filter, text, parse.GetValue(top), cancellationToken);
            if (parse.GetValue(json))
            {
                JsonOutput.Write(response);
                return 0;
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
        }));
        return command;
    }

    private static string Snippet(string text)
    {
        var flat = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        return flat.Length <= 240 ? flat : flat[..240] + "…";
    }
}
