namespace QwenRag.Cli.Bench;

/// <summary>
/// Questions of the kind people type, rotated through by the load loops so caches see a realistic mix.
/// They lean towards the bundled corpus (LaTeX guides, long-context papers, licences) but read as ordinary questions.
/// </summary>
internal static class BenchQueries
{
    public static readonly IReadOnlyList<string> Default =
    [
        "In what year was LaTeX2e released?",
        "How do I define a new command with an optional argument?",
        "What does the LaTeX Project Public License allow me to do with modified files?",
        "How does YaRN extend the context window of a model?",
        "What is the difference between Ulysses and ring attention?",
        "Which document classes are available in standard LaTeX?",
        "How can I change the page margins?",
        "What is the attention temperature used by YaRN?",
        "How do I add a bibliography?",
        "Which packages are required for AMS math environments?",
        "How is sequence parallelism combined with tensor parallelism?",
        "What happens if I redistribute a modified version of a work under the LPPL?",
        "How do I align multiple equations?",
        "What is NTK-aware interpolation?",
        "How do I create a presentation with frames and overlays?",
        "What is the maintenance status of a work under the LPPL?",
        "How can I quote text in German with csquotes?",
        "Which encoding should I use for Greek text?",
        "What are robust commands and why do they matter?",
        "How does position interpolation compare with fine-tuning on long sequences?",
        "How many GPUs were used to train with a sequence length of 1 million tokens?",
        "How do I number equations by section?",
        "What is the purpose of the \\DeclareRobustCommand macro?",
        "How do I set the text height of a page?",
    ];

    /// <summary>Questions from a JSON-lines file of <c>{"question": ...}</c> objects, or plain lines of text.</summary>
    public static IReadOnlyList<string> Read(string path)
    {
        var questions = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            var text = line.Trim();
            if (text.Length == 0)
            {
                continue;
            }

            if (text.StartsWith('{'))
            {
                using var document = System.Text.Json.JsonDocument.Parse(text);
                if (document.RootElement.TryGetProperty("question", out var question) && question.GetString() is { Length: > 0 } value)
                {
                    questions.Add(value);
                }
            }
            else
            {
                questions.Add(text);
            }
        }

        return questions.Count > 0 ? questions : throw new ArgumentException($"{path} holds no questions.");
    }
}
