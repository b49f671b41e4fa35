using System.CommandLine;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.Cli.Commands;

internal static class AskCommand
{
    public static Command Create()
    {
        var question = new Argument<string>("question") { Description = "The question" };
        var set = CliOptions.Set();
        var top = CliOptions.Top(QueryService.DefaultAskTop);
        var json = CliOptions.Json();
        var model = CliOptions.AnswerModel();
        var device = CliOptions.Device();
        var command = new Command("ask", "Answer a question from a set, citing document and page")
        {
            question, set, top, json, model, device,
        };
        command.SetAction((parse, cancellationToken) => CommandErrors.RunAsync(async () =>
        {
            var text = parse.GetValue(question)!;
            if (string.IsNullOrWhiteSpace(text))
            {
                return CommandErrors.Report("the question is empty");
            }

            await using var context = CliContext.Create(parse, CliOptions.AnswerModelOptions(parse, model, device));
            var query = context.Get<QueryService>();
            if (parse.GetValue(json))
            {
                JsonOutput.Write(await query.AskAsync(parse.GetValue(set)!, text, parse.GetValue(top), null, cancellationToken));
                return 0;
            }

            IReadOnlyList<Citation> citations = [];
            await foreach (var update in query.AskStreamingAsync(parse.GetValue(set)!, text, parse.GetValue(top), null, cancellationToken))
            {
                if (update.Text is not null)
                {
                    Console.Write(update.Text);
                }

                citations = update.Citations ?? citations;
            }

            Console.WriteLine();
            Console.WriteLine();
            for (var i = 0; i < citations.Count; i++)
            {
                Console.WriteLine($"[{i + 1}] {citations[i].Document}, p. {citations[i].Page}");
            }

            Console.Error.WriteLine($"(generator: {query.GeneratorName})");
            return 0;
        }));
        return command;
    }
}
