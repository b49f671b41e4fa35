using System.CommandLine;

namespace QwenRag.Cli.Commands;

/// <summary><c>qwenrag model</c>: tiny random Qwen checkpoints, ONNX models built from checkpoints, logits, tokenizing, chat rendering.</summary>
internal sealed class ModelCommand : Command
{
    public ModelCommand()
        : base("model", "Qwen checkpoints and their ONNX models")
    {
        Subcommands.Add(new ModelTinyCommand());
        Subcommands.Add(new ModelBuildCommand());
        Subcommands.Add(new ModelLogitsCommand());
        Subcommands.Add(new ModelTokenizeCommand());
        Subcommands.Add(new ModelRenderChatCommand());
    }
}
