using QwenRag.Generation.Runtime;

namespace QwenRag.Cli.Bench;

/// <summary>What one <c>bench generate</c> run measures; the same for every engine and the child processes.</summary>
internal sealed record GenerationBenchSettings(string Model, int PromptTokens, int NewTokens, int Runs, ExecutionDevice Device, int[] Contexts, int Seed)
{
    public void Validate()
    {
        if (!Directory.Exists(Model))
        {
            throw new ArgumentException($"The model directory '{Model}' does not exist.");
        }

        if (PromptTokens < 1 || NewTokens < 1 || Runs < 1)
        {
            throw new ArgumentException("--prompt-tokens, --new-tokens and --runs must be at least 1.");
        }

        if (Contexts.Any(context => context < 1))
        {
            throw new ArgumentException("--kv-contexts must be positive.");
        }
    }

    /// <summary>The same pseudo-random prompt for every engine: ids below the regular vocabulary.</summary>
    public int[] Prompt(int vocab)
    {
        var random = new Random(Seed);
        var top = Math.Min(vocab, 151643);
        return [.. Enumerable.Range(0, PromptTokens).Select(_ => random.Next(top))];
    }
}
