using System.CommandLine;
using QwenRag.Cli.Bench;
using QwenRag.Cli.Commands;

namespace QwenRag.Cli;

/// <summary><c>qwenrag</c>: every command, run under the one error policy of <see cref="CommandErrors"/>.</summary>
public sealed class QwenRagCommand : RootCommand
{
    public QwenRagCommand()
        : base("QwenRag: ask questions of your documents, answered with page citations.")
    {
        Options.Add(CliOptions.Data);
        Options.Add(CliOptions.Embedding);
        Subcommands.Add(new IngestCommand());
        Subcommands.Add(new SearchCommand());
        Subcommands.Add(new AskCommand());
        Subcommands.Add(new SetsCommand());
        Subcommands.Add(new DocumentsCommand());
        Subcommands.Add(new ReindexCommand());
        Subcommands.Add(new MigrateCommand());
        Subcommands.Add(new ServeCommand());
        Subcommands.Add(new WorkerCommand());
        Subcommands.Add(new ModelCommand());
        Subcommands.Add(new GenerateCommand());
        Subcommands.Add(new BenchCommand());
    }

    /// <summary>Parses <paramref name="args"/> and runs the command they name; returns the exit code.</summary>
    public Task<int> InvokeAsync(string[] args) => CommandErrors.InvokeAsync(Parse(args));
}
