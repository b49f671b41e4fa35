using System.CommandLine;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag sets</c>: list or delete document sets.</summary>
internal sealed class SetsCommand : Command
{
    public SetsCommand()
        : base("sets", "List or delete document sets")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Subcommands.Add(new SetsListCommand());
        Subcommands.Add(new SetsDeleteCommand());
    }
}
