using System.CommandLine;

namespace QwenRag.Cli.Bench;

/// <summary><c>qwenrag bench vectors</c>: the embedded vector store on clustered synthetic vectors.</summary>
internal sealed class BenchVectorsCommand : Command
{
    private readonly Option<int> _count = new("--count") { Description = "Vectors to index", DefaultValueFactory = _ => 10_000 };
    private readonly Option<bool> _json = CliOptions.Json();

    public BenchVectorsCommand()
        : base("vectors", "Vector store insert rate, open time, search p50/p99 and ANN recall@10 on clustered 384-d vectors")
    {
        Options.Add(_count);
        Options.Add(_json);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var result = await VectorStoreBenchmark.Run(parse.GetValue(_count), cancellationToken: cancellationToken);
        if (parse.GetValue(_json))
        {
            JsonOutput.Write(result);
        }
        else
        {
            Console.WriteLine(result);
        }

        return 0;
    }
}
