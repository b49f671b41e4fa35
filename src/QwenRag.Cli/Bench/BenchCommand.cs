using System.CommandLine;

namespace QwenRag.Cli.Bench;

/// <summary>
/// <c>qwenrag bench</c>: macro benchmarks a user can run on their own hardware. Everything they measure lives in this
/// folder and goes through the libraries' public APIs only, so a benchmark measures what a user of those APIs gets.
/// </summary>
internal sealed class BenchCommand : Command
{
    public BenchCommand()
        : base("bench", "Measure ingestion, retrieval, vector search, HTTP and generation on this machine")
    {
        Subcommands.Add(new BenchIngestCommand());
        Subcommands.Add(new BenchRetrievalCommand());
        Subcommands.Add(new BenchVectorsCommand());
        Subcommands.Add(new BenchColdStartCommand());
        Subcommands.Add(new BenchHttpCommand());
        Subcommands.Add(new BenchGenerateCommand());
        Subcommands.Add(new BenchServeCommand());
        Subcommands.Add(new BenchQwen3Command());
    }
}
