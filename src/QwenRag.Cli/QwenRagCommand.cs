using System.CommandLine;
using QwenRag.Cli.Commands;

namespace QwenRag.Cli;

public static class QwenRagCommand
{
    public static RootCommand Create()
    {
        var root = new RootCommand("QwenRag: ask questions of your documents, answered with page citations.");
        root.Options.Add(CliOptions.Data);
        root.Subcommands.Add(IngestCommand.Create());
        root.Subcommands.Add(SearchCommand.Create());
        root.Subcommands.Add(AskCommand.Create());
        root.Subcommands.Add(SetsCommand.Create());
        root.Subcommands.Add(DocumentsCommand.Create());
        root.Subcommands.Add(ReindexCommand.Create());
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(WorkerCommand.Create());
        root.Subcommands.Add(ModelCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
