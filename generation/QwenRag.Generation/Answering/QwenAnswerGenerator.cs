using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using QwenRag.Core;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Generation.Tokenization;

namespace QwenRag.Generation.Answering;

/// <summary>
/// Answers with a Qwen model from a folder written by <see cref="Onnx.QwenOnnxBuilder"/>: the retrieved passages,
/// best first and without exact duplicates, are numbered [1], [2], ... into the prompt until the context's token
/// budget is spent; the model is told to answer only from them and cite them; the answer streams as it is decoded,
/// and the [n] markers it wrote become the citations. One model serves every request, one generation at a time;
/// at most <see cref="QwenModelOptions.MaxQueuedRequests"/> more wait for it, and a request beyond those is refused
/// with <see cref="ModelBusyException"/> before its first token.
/// </summary>
public sealed partial class QwenAnswerGenerator : IAnswerGenerator, IDisposable
{
    public const string GeneratorName = "qwen";

    public const int DefaultMaxNewTokens = 512;

    public const string NoSources = AnswerUpdate.NoSourcesText;

    public const string SystemPrompt =
        "You answer questions using only the numbered sources the user gives you. " +
        "Cite the sources that support each statement with their numbers in square brackets, like [1] or [2]. " +
        "Do not use outside knowledge. If the sources do not answer the question, say that they do not.";

    private readonly QwenOnnxModel _model;
    private readonly QwenTokenizer _tokenizer;
    private readonly TokenGenerator _generator;
    private readonly int[] _stopTokenIds;
    private readonly string[] _addedTokens;
    private readonly AnswerQueue _queue;
    private readonly ILogger _logger;
    private bool _disposed;

    /// <param name="options">The model folder (model.onnx, genai_config.json, tokenizer.json), device and queue bound.</param>
    /// <param name="logger">Receives the device chosen and refused requests.</param>
    public QwenAnswerGenerator(QwenModelOptions options, ILogger<QwenAnswerGenerator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Directory);
        ArgumentNullException.ThrowIfNull(options.Runtime);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxQueuedRequests);
        var modelDirectory = options.Directory;
        if (!Directory.Exists(modelDirectory))
        {
            throw new DirectoryNotFoundException($"The model directory '{modelDirectory}' does not exist.");
        }

        _logger = logger ?? NullLogger<QwenAnswerGenerator>.Instance;
        _queue = new AnswerQueue(options.MaxQueuedRequests);
        _tokenizer = QwenTokenizer.Load(modelDirectory);
        _model = new QwenOnnxModel(modelDirectory, options.Runtime, _logger);
        _generator = new TokenGenerator(_model);
        _stopTokenIds = new[] { ChatTemplate.ImEnd, "<|endoftext|>" }
            .Select(_tokenizer.TokenId)
            .OfType<int>()
            .ToArray();
        _addedTokens = _tokenizer.AddedTokens.Keys.Where(token => token.Length > 1).ToArray();
    }

    public string Name => GeneratorName;

    /// <summary>Generations running now (0 or 1).</summary>
    public int RunningGenerations => _queue.Running;

    /// <summary>Requests waiting for the model now.</summary>
    public int WaitingRequests => _queue.Waiting;

    /// <summary>The device the model runs on (CUDA may have fallen back to the CPU).</summary>
    public ExecutionDevice Device => _model.Device;

    public async IAsyncEnumerable<AnswerUpdate> AnswerAsync(
        string question,
        IReadOnlyList<ScoredChunk> sources,
        AnswerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentNullException.ThrowIfNull(sources);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var maxNewTokens = options?.MaxTokens is > 0 ? options.MaxTokens.Value : DefaultMaxNewTokens;
        var (prompt, packed) = BuildPrompt(question, sources, maxNewTokens);
        if (packed.Count == 0)
        {
            yield return AnswerUpdate.Delta(NoSources);
            yield return AnswerUpdate.Cited([]);
            yield break;
        }

        var sampling = new SamplingOptions
        {
            Greedy = true,
            MaxNewTokens = maxNewTokens,
            StopTokenIds = _stopTokenIds,
        };
        var answer = new StringBuilder();
        // Entered before the first token, so a streaming caller that primes the stream still sees a full queue as an exception.
        var turn = await EnterQueueAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var decoder = _tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);
            await foreach (var token in _generator.GenerateAsync(prompt, sampling, cancellationToken).ConfigureAwait(false))
            {
                var text = Push(decoder, token);
                if (text.Length > 0)
                {
                    answer.Append(text);
                    yield return AnswerUpdate.Delta(text);
                }
            }

            var rest = decoder.Flush();
            if (rest.Length > 0)
            {
                answer.Append(rest);
                yield return AnswerUpdate.Delta(rest);
            }
        }
        finally
        {
            turn.Dispose();
        }

        yield return AnswerUpdate.Cited(CitedSources(answer.ToString(), packed.Count)
            .Select(n => Citation.From(packed[n - 1].Chunk))
            .ToArray());
    }

    private async Task<IDisposable> EnterQueueAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _queue.EnterAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ModelBusyException busy)
        {
            LogRefused(busy.Running, busy.Waiting);
            throw;
        }
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

    /// <summary>
    /// The text one generated id completes. A model's embedding table is padded past the tokenizer's ids (151,936
    /// rows for 151,669 tokens); such an id has no text and is skipped.
    /// </summary>
    private static string Push(StreamingDecoder decoder, int token)
    {
        try
        {
            return decoder.Push(token);
        }
        catch (ArgumentOutOfRangeException)
        {
            return string.Empty;
        }
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

    /// <summary>The prompt's tokens and the sources it numbers (source n is element n - 1).</summary>
    private (IReadOnlyList<int> Prompt, List<ScoredChunk> Packed) BuildPrompt(string question, IReadOnlyList<ScoredChunk> sources, int maxNewTokens)
    {
        question = Escape(question);
        var overhead = Encode(Render([], question)).Count;
        var budget = _model.ContextLength - overhead - maxNewTokens;
        if (budget <= 0)
        {
            throw new ArgumentException(
                $"The question ({overhead} prompt tokens) plus {maxNewTokens} new tokens leave no room for sources in the model's " +
                $"context of {_model.ContextLength} tokens; shorten the question or ask for fewer tokens.",
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
            var cost = Encode(formatted + "\n\n").Count;
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
            var prompt = Encode(Render(texts, question));
            if (packed.Count == 0 || prompt.Count + maxNewTokens <= _model.ContextLength)
            {
                return (prompt, packed);
            }

            packed.RemoveAt(packed.Count - 1);
            texts.RemoveAt(texts.Count - 1);
        }
    }

    private static string Render(IReadOnlyList<string> sources, string question) =>
        ChatTemplate.Render([("system", SystemPrompt), ("user", UserMessage(sources, question))], addGenerationPrompt: true, enableThinking: false);

    private IReadOnlyList<int> Encode(string text) => _tokenizer.Encode(text);

    /// <summary>
    /// Breaks up every added token (&lt;|im_start|&gt;, &lt;|im_end|&gt;, &lt;think&gt; and the like) in retrieved or user
    /// text, so that a document can never open or close a turn of the prompt.
    /// </summary>
    internal string Escape(string text) => EscapeMarkers(text, _addedTokens);

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

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _model.Dispose();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused a question: the model is busy ({Running} running, {Waiting} waiting).")]
    private partial void LogRefused(int running, int waiting);

    [GeneratedRegex(@"\[(\d{1,4}(?:\s*,\s*\d{1,4})*)\]")]
    private static partial Regex CitationMarker();
}
