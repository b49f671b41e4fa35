using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Generation.Chat;

namespace QwenRag.Generation.Answering;

/// <summary>
/// Answers with any <see cref="IChatClient"/>: the retrieved passages, best first and without exact duplicates, are
/// numbered [1], [2], ... into the user's message until the context's token budget is spent; the model is told (system
/// message) to answer only from them and cite them; the answer streams as the client streams it (greedy: temperature
/// 0), and the [n] markers it wrote become the citations. The budget is the client's own
/// <see cref="IChatTokenBudget"/> when it offers one (the local <see cref="QwenChatClient"/>: its tokenizer, template
/// and context length, exact), else the one given here (for another client, an <see cref="EstimatedTokenBudget"/>
/// over its configured context size). Markers that would open or close a turn are broken up in documents and
/// questions. Queueing is the client's business (the local model's
/// <see cref="Generation.GenerationScheduler"/>); its <see cref="ModelBusyException"/> surfaces before the first update.
/// </summary>
public sealed partial class ChatAnswerGenerator : IAnswerGenerator
{
    /// <summary><see cref="Name"/> for the local Qwen model.</summary>
    public const string QwenName = "qwen";

    /// <summary><see cref="Name"/> for a model behind an OpenAI-compatible server.</summary>
    public const string ServerName = "chat";

    public const int DefaultMaxNewTokens = 512;

    public const string NoSources = AnswerUpdate.NoSourcesText;

    public const string SystemPrompt =
        "You answer questions using only the numbered sources the user gives you. " +
        "Cite the sources that support each statement with their numbers in square brackets, like [1] or [2]. " +
        "Do not use outside knowledge. If the sources do not answer the question, say that they do not.";

    private readonly IChatTokenBudget _budget;

    /// <param name="client">The chat client that answers.</param>
    /// <param name="name">What responses report as the generator (<see cref="QwenName"/>, <see cref="ServerName"/>).</param>
    /// <param name="budget">The token budget when <paramref name="client"/> offers none of its own.</param>
    /// <exception cref="ArgumentException">The client offers no budget and none is given.</exception>
    public ChatAnswerGenerator(IChatClient client, string name, IChatTokenBudget? budget = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Client = client;
        Name = name;
        _budget = client.GetService<IChatTokenBudget>() ?? budget
            ?? throw new ArgumentException("The chat client has no token budget of its own; pass one (e.g. an EstimatedTokenBudget).", nameof(budget));
    }

    public string Name { get; }

    /// <summary>The chat client that answers (ask it with <c>GetService</c> for its queue or model).</summary>
    public IChatClient Client { get; }

    public async IAsyncEnumerable<AnswerUpdate> AnswerAsync(
        string question,
        IReadOnlyList<ScoredChunk> sources,
        AnswerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentNullException.ThrowIfNull(sources);
        var maxNewTokens = options?.MaxTokens is > 0 ? options.MaxTokens.Value : DefaultMaxNewTokens;
        var (messages, packed) = BuildPrompt(question, sources, maxNewTokens);
        if (packed.Count == 0)
        {
            yield return AnswerUpdate.Delta(NoSources);
            yield return AnswerUpdate.Cited([]);
            yield break;
        }

        var chatOptions = new ChatOptions { Temperature = 0, MaxOutputTokens = maxNewTokens };
        var answer = new StringBuilder();
        // The stream ends (and a queue gives the model back) before the citations are sent.
        await foreach (var update in Client.GetStreamingResponseAsync(messages, chatOptions, cancellationToken).ConfigureAwait(false))
        {
            var text = update.Text;
            if (text.Length > 0)
            {
                answer.Append(text);
                yield return AnswerUpdate.Delta(text);
            }
        }

        yield return AnswerUpdate.Cited(CitedSources(answer.ToString(), packed.Count)
            .Select(n => Citation.From(packed[n - 1].Chunk))
            .ToArray());
    }

    /// <summary>
    /// The source numbers (1-based) that <paramref name="text"/> cites as [n] or [n, m], in order of first citation,
    /// each once; numbers outside 1..<paramref name="sourceCount"/> are ignored.
    /// </summary>
    internal static IReadOnlyList<int> CitedSources(string text, int sourceCount)
    {
        ArgumentNullException.ThrowIfNull(text);
        var cited = new List<int>();
        foreach (Match match in CitationMarker().Matches(text))
        {
            foreach (var part in match.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                if (int.TryParse(part, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var n)
                    && n >= 1 && n <= sourceCount && !cited.Contains(n))
                {
                    cited.Add(n);
                }
            }
        }

        return cited;
    }

    /// <summary>The source as the prompt shows it: its number, document and page, then its text.</summary>
    internal static string FormatSource(int number, ChunkRecord chunk, string text) =>
        $"[{number}] ({chunk.DocumentName}, p. {chunk.PageStart})\n{text}";

    /// <summary>The user turn: the numbered sources, then the question.</summary>
    internal static string UserMessage(IReadOnlyList<string> sources, string question)
    {
        var text = new StringBuilder("Sources:\n\n");
        foreach (var source in sources)
        {
            text.Append(source).Append("\n\n");
        }

        return text.Append("Question: ").Append(question).ToString();
    }

    /// <summary>The prompt's messages and the sources they number (source n is element n - 1).</summary>
    private (ChatMessage[] Messages, List<ScoredChunk> Packed) BuildPrompt(string question, IReadOnlyList<ScoredChunk> sources, int maxNewTokens)
    {
        question = Escape(question);
        var context = _budget.ContextTokens;
        var overhead = _budget.CountPromptTokens(Messages([], question));
        var budget = context - overhead - maxNewTokens;
        if (budget <= 0)
        {
            throw new ArgumentException(
                $"The question ({overhead} prompt tokens) plus {maxNewTokens} new tokens leave no room for sources in the model's " +
                $"context of {context} tokens; shorten the question or ask for fewer tokens.",
                nameof(question));
        }

        var packed = new List<ScoredChunk>();
        var texts = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            if (!seen.Add(source.Chunk.Text))
            {
                continue;
            }

            var chunk = source.Chunk with { DocumentName = Escape(source.Chunk.DocumentName) };
            var formatted = FormatSource(texts.Count + 1, chunk, Escape(source.Chunk.Text));
            var cost = _budget.CountTokens(formatted + "\n\n");
            if (cost > budget)
            {
                break;
            }

            budget -= cost;
            packed.Add(source);
            texts.Add(formatted);
        }

        // Tokens counted piece by piece can differ by one at the seams from the whole: trim until it fits.
        while (true)
        {
            var messages = Messages(texts, question);
            if (packed.Count == 0 || _budget.CountPromptTokens(messages) + maxNewTokens <= context)
            {
                return (messages, packed);
            }

            packed.RemoveAt(packed.Count - 1);
            texts.RemoveAt(texts.Count - 1);
        }
    }

    private static ChatMessage[] Messages(IReadOnlyList<string> sources, string question) =>
        [new(ChatRole.System, SystemPrompt), new(ChatRole.User, UserMessage(sources, question))];

    /// <summary>
    /// Breaks up every control marker of the model (&lt;|im_start|&gt;, &lt;|im_end|&gt;, &lt;think&gt; and the like)
    /// in retrieved or user text, so that a document can never open or close a turn of the prompt.
    /// </summary>
    private string Escape(string text) => EscapeMarkers(text, _budget.ControlMarkers);

    internal static string EscapeMarkers(string text, IReadOnlyCollection<string> markers)
    {
        var changed = true;
        while (changed)
        {
            changed = false;
            foreach (var marker in markers)
            {
                if (text.Contains(marker, StringComparison.Ordinal))
                {
                    // A space after the first character keeps the text readable and no longer matches the token.
                    text = text.Replace(marker, string.Concat(marker.AsSpan(0, 1), " ", marker.AsSpan(1)), StringComparison.Ordinal);
                    changed = true;
                }
            }
        }

        return text;
    }

    [GeneratedRegex(@"\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]")]
    private static partial Regex CitationMarker();
}
