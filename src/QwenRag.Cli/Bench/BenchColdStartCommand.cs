using System.CommandLine;
using System.Diagnostics;

namespace QwenRag.Cli.Bench;

/// <summary><c>qwenrag bench cold-start</c>: wall time of whole <c>qwenrag search</c> processes.</summary>
internal sealed class BenchColdStartCommand : Command
{
    private readonly Option<string> _set = CliOptions.Set();
    private readonly Option<string> _query = new("--query") { Description = "Query to search for", DefaultValueFactory = _ => "introduction" };
    private readonly Option<int> _runs = CliOptions.Bounded("--runs", 1, 100, 5, "Processes to start");

    public BenchColdStartCommand()
        : base("cold-start", "Wall time of a whole 'qwenrag search' process, start to exit")
    {
        Options.Add(_set);
        Options.Add(_query);
        Options.Add(_runs);
        SetAction(RunAsync);
    }

    private async Task<int> RunAsync(ParseResult parse, CancellationToken cancellationToken)
    {
        var data = parse.GetValue(CliOptions.Data);
        var times = new List<double>();
        for (var i = 0; i < parse.GetValue(_runs); i++)
        {
            var start = SelfProcess.StartInfo(["search", parse.GetValue(_query)!, "--set", parse.GetValue(_set)!, "--json"]);
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
                throw new CommandFailedException(
                    $"search exited with {process.ExitCode}: {await process.StandardError.ReadToEndAsync(cancellationToken)}");
            }
        }

        times.Sort();
        Console.WriteLine($"cold 'qwenrag search': median {times[times.Count / 2]:0} ms, min {times[0]:0} ms, max {times[^1]:0} ms over {times.Count} runs");
        return 0;
    }
}
