using System.CommandLine;
using QwenRag.Core;
using QwenRag.Generation.Runtime;
using QwenRag.Hosting;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag ask</c>: an answer from a set's passages, citing document and page.</summary>
internal sealed class AskCommand : Command
{
    private readonly Argument<string> _question = new("question") { Description = "The question" };
    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<int> _top = CliOptions.Top(QueryLimits.DefaultAskTop);
    private readonly Option<bool> _json = CliOptions.Json();
    private readonly Option<string?> _model = CliOptions.AnswerModel();
    private readonly Option<ExecutionDevice> _device = CliOptions.Device();

    public AskCommand()
        : base("ask", "Answer a question from a set, citing document and page")
    {
        Arguments.Add(_question);
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Options.Add(CliOptions.Reranker);
        Options.Add(_set);
        Options.Add(_top);
        Options.Add(_json);
        Options.Add(_model);
        Options.Add(_device);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var text = parse.GetValue(_question)!;
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new CommandFailedException("the question is empty");
        }

        await using var context = CliContext.Create(parse, CliOptions.AnswerModelOptions(parse, _model, _device));
        var query = context.Get<QueryService>();
        var set = parse.GetValue(_set)!;
        var top = parse.GetValue(_top);
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(await query.AskAsync(set, text, top, null, cancellationToken));
            return 0;
        }

        IReadOnlyList<Citation> citations = [];
        await foreach (var update in query.AskStreamingAsync(set, text, top, null, cancellationToken))
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
    }
}
