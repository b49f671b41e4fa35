using System.CommandLine;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag documents</c>: list or delete the documents of a set.</summary>
internal sealed class DocumentsCommand : Command
{
    public DocumentsCommand()
        : base("documents", "List or delete the documents of a set")
    {
        Options.Add(CliOptions.Qdrant);
        Options.Add(CliOptions.Postgres);
        Subcommands.Add(new DocumentsListCommand());
        Subcommands.Add(new DocumentsDeleteCommand());
    }
}
