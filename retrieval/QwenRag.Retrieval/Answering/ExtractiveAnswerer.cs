using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Retrieval.Keywords;

namespace QwenRag.Retrieval.Answering;

/// <summary>
/// Answers without a language model: quotes the sentences of the best sources that best match the question
/// (embedding similarity plus rarity-weighted word overlap), each followed by its citation marker.
/// </summary>
public sealed class ExtractiveAnswerer : IAnswerGenerator
{
    public const string GeneratorName = "extractive";

    public const string NoAnswer = AnswerUpdate.NoSourcesText;

    /// <summary>Sentences this similar to one already chosen say the same thing again.</summary>
    private const double DuplicateSimilarity = 0.92;

    /// <summary>Question-shaped sentences (FAQ headings) rarely answer; they keep this share of their score.</summary>
    private const double QuestionSentenceFactor = 0.8;

    private readonly IEmbeddingGenerator<string, Embedding<float>> _embeddings;
    private readonly IEmbeddingGenerator<string, Embedding<float>>? _queryEmbeddings;
    private readonly ExtractiveAnswererOptions _options;

    // Embedding the candidate sentences is CPU-bound; bounding how many answers do it at once keeps cores free for
    // searches (a query embeds one short text) and for ingestion, while further questions wait their turn.
    private readonly AnswerQueue _queue;

    /// <param name="embeddings">Embeds the candidate sentences (as documents).</param>
    /// <param name="options">Limits and weights.</param>
    /// <param name="queryEmbeddings">
    /// Embeds the question as a search query (an asymmetric model's query prefix); null embeds it with
    /// <paramref name="embeddings"/>, in the same call as the sentences.
    /// </param>
    public ExtractiveAnswerer(
        IEmbeddingGenerator<string, Embedding<float>> embeddings,
        ExtractiveAnswererOptions? options = null,
        IEmbeddingGenerator<string, Embedding<float>>? queryEmbeddings = null)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        options ??= new ExtractiveAnswererOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSources, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSentences, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxCandidateSentences, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxEmbeddedSentences, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxConcurrentAnswers, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxQueuedAnswers, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(
            options.MaxSentenceCharacters, Math.Max(1, options.MinSentenceCharacters), nameof(options));
        _embeddings = embeddings;
        _queryEmbeddings = queryEmbeddings;
        _options = options;
        _queue = new AnswerQueue(options.MaxQueuedAnswers, options.MaxConcurrentAnswers);
    }

    public string Name => GeneratorName;

    public async IAsyncEnumerable<AnswerUpdate> AnswerAsync(
        string question,
        IReadOnlyList<ScoredChunk> sources,
        AnswerOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentNullException.ThrowIfNull(sources);
        cancellationToken.ThrowIfCancellationRequested();

        IReadOnlyList<Candidate> chosen = [];
        if (sources.Count > 0)
        {
            using var turn = await _queue.EnterAsync(cancellationToken).ConfigureAwait(false);
            chosen = await ChooseAsync(question, sources, options?.MaxTokens, cancellationToken).ConfigureAwait(false);
        }
        if (chosen.Count == 0)
        {
            yield return AnswerUpdate.Delta(NoAnswer);
            yield return AnswerUpdate.Cited([]);
            yield break;
        }

        var citations = new List<Citation>();
        var markers = new Dictionary<int, int>();
        for (var i = 0; i < chosen.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sentence = chosen[i];
            if (!markers.TryGetValue(sentence.SourceRank, out var marker))
            {
                citations.Add(Citation.From(sources[sentence.SourceRank].Chunk));
                marker = citations.Count;
                markers.Add(sentence.SourceRank, marker);
            }

            yield return AnswerUpdate.Delta($"{(i == 0 ? string.Empty : " ")}{sentence.Text} [{marker}]");
        }

        cancellationToken.ThrowIfCancellationRequested();
        yield return AnswerUpdate.Cited(citations);
    }

    private async Task<(ReadOnlyMemory<float> Question, ReadOnlyMemory<float>[] Sentences)> EmbedAsync(
        string question, List<Candidate> candidates, CancellationToken cancellationToken)
    {
        var inputs = new List<string>(candidates.Count + 1);
        if (_queryEmbeddings is null)
        {
            inputs.Add(question);
        }

        inputs.AddRange(candidates.Select(candidate => candidate.Text));
        var embeddings = await _embeddings
            .GenerateAsync(inputs, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        if (embeddings.Count != inputs.Count)
        {
            throw new InvalidOperationException(
                $"The embedding generator returned {embeddings.Count} embeddings for {inputs.Count} inputs.");
        }

        if (_queryEmbeddings is null)
        {
            return (embeddings[0].Vector, embeddings.Skip(1).Select(e => e.Vector).ToArray());
        }

        var query = await _queryEmbeddings.GenerateAsync([question], cancellationToken: cancellationToken).ConfigureAwait(false);
        if (query.Count != 1)
        {
            throw new InvalidOperationException($"The query embedding generator returned {query.Count} embeddings for 1 input.");
        }

        return (query[0].Vector, embeddings.Select(e => e.Vector).ToArray());
    }

    /// <summary>The answer's sentences in reading order: best-supported source first, document order within one.</summary>
    private async Task<IReadOnlyList<Candidate>> ChooseAsync(
        string question, IReadOnlyList<ScoredChunk> sources, int? maxTokens, CancellationToken cancellationToken)
    {
        var sourceCount = Math.Min(sources.Count, _options.MaxSources);
        var candidates = CollectCandidates(sources, sourceCount);
        if (candidates.Count == 0)
        {
            return Fallback(sources[0].Chunk.Text);
        }

        if (candidates.Count > _options.MaxEmbeddedSentences)
        {
            // Embedding is the cost of an extractive answer (~6 ms a sentence on 2 cores): only the sentences that
            // share the most question words, or come from the best sources, are worth embedding.
            var prefilter = new WordOverlap(question, candidates.Select(candidate => candidate.Text));
            candidates = candidates
                .OrderByDescending(candidate => prefilter.Score(candidate.Text)
                    + (_options.SourceRankBoost * (sourceCount - candidate.SourceRank) / sourceCount))
                .ThenBy(candidate => candidate.SourceRank)
                .ThenBy(candidate => candidate.Position)
                .Take(_options.MaxEmbeddedSentences)
                .ToList();
        }

        var (questionVector, sentenceVectors) = await EmbedAsync(question, candidates, cancellationToken).ConfigureAwait(false);
        var overlap = new WordOverlap(question, candidates.Select(candidate => candidate.Text));
        for (var i = 0; i < candidates.Count; i++)
        {
            var candidate = candidates[i];
            candidate.Vector = sentenceVectors[i];
            var relevance = (_options.SemanticWeight * Cosine(questionVector.Span, candidate.Vector.Span))
                + (_options.KeywordWeight * overlap.Score(candidate.Text));
            if (candidate.Text.EndsWith('?'))
            {
                relevance *= QuestionSentenceFactor;
            }

            candidate.Score = relevance
                + (_options.SourceRankBoost * (sourceCount - candidate.SourceRank) / sourceCount);
        }

        var ranked = candidates
            .OrderByDescending(candidate => candidate.Score)
            .ThenBy(candidate => candidate.SourceRank)
            .ThenBy(candidate => candidate.Position)
            .ToList();
        var best = ranked[0];
        var chosen = new List<Candidate> { best };
        var budget = maxTokens is > 0 ? maxTokens.Value : int.MaxValue;
        var spent = EstimateTokens(best.Text);
        foreach (var candidate in ranked.Skip(1))
        {
            if (chosen.Count >= _options.MaxSentences || candidate.Score < _options.RelativeThreshold * best.Score)
            {
                break;
            }

            if (spent + EstimateTokens(candidate.Text) > budget
                || chosen.Any(other => Cosine(other.Vector.Span, candidate.Vector.Span) >= DuplicateSimilarity))
            {
                continue;
            }

            chosen.Add(candidate);
            spent += EstimateTokens(candidate.Text);
        }

        var sourceOrder = chosen
            .GroupBy(candidate => candidate.SourceRank)
            .Select(group => (Source: group.Key, Best: group.Max(candidate => candidate.Score)))
            .OrderByDescending(source => source.Best)
            .ThenBy(source => source.Source)
            .Select((source, order) => (source.Source, order))
            .ToDictionary(pair => pair.Source, pair => pair.order);
        return chosen
            .OrderBy(candidate => sourceOrder[candidate.SourceRank])
            .ThenBy(candidate => candidate.Position)
            .ToList();
    }

    private List<Candidate> CollectCandidates(IReadOnlyList<ScoredChunk> sources, int sourceCount)
    {
        var candidates = new List<Candidate>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var rank = 0; rank < sourceCount && candidates.Count < _options.MaxCandidateSentences; rank++)
        {
            var position = 0;
            foreach (var sentence in SentenceSplitter.Split(sources[rank].Chunk.Text))
            {
                foreach (var piece in CutLong(sentence))
                {
                    if (candidates.Count < _options.MaxCandidateSentences
                        && IsQuotable(piece)
                        && seen.Add(string.Join(' ', KeywordTerms.Words(piece))))
                    {
                        candidates.Add(new Candidate(piece, rank, position));
                    }

                    position++;
                }
            }
        }

        return candidates;
    }

    /// <summary>When no sentence qualifies, the start of the best source stands in, cited as such.</summary>
    private List<Candidate> Fallback(string text)
    {
        var start = CutLong(Whitespace(text)).FirstOrDefault(piece => piece.Length > 0);
        return start is null ? [] : [new Candidate(start, 0, 0)];
    }

    private bool IsQuotable(string sentence)
    {
        if (sentence.Length < _options.MinSentenceCharacters)
        {
            return false;
        }

        int letters = 0, visible = 0;
        foreach (var c in sentence)
        {
            if (char.IsWhiteSpace(c))
            {
                continue;
            }

            visible++;
            if (char.IsLetter(c))
            {
                letters++;
            }
        }

        // Mostly digits and symbols: table rows, equations, reference lists.
        return letters * 2 >= visible && KeywordTerms.Words(sentence).Count(word => word.Any(char.IsLetter)) >= 3;
    }

    private IEnumerable<string> CutLong(string sentence)
    {
        if (sentence.Length <= _options.MaxSentenceCharacters)
        {
            yield return sentence;
            yield break;
        }

        var piece = new StringBuilder();
        foreach (var word in sentence.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (piece.Length > 0 && piece.Length + 1 + word.Length > _options.MaxSentenceCharacters)
            {
                yield return piece.ToString();
                piece.Clear();
            }

            if (piece.Length > 0)
            {
                piece.Append(' ');
            }

            piece.Append(word.Length > _options.MaxSentenceCharacters ? word[.._options.MaxSentenceCharacters] : word);
        }

        if (piece.Length > 0)
        {
            yield return piece.ToString();
        }
    }

    private static string Whitespace(string text) =>
        string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private static int EstimateTokens(string text) => (text.Length / 4) + 1;

    private static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length == 0 || a.Length != b.Length)
        {
            return 0;
        }

        double dot = 0, normA = 0, normB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            normA += (double)a[i] * a[i];
            normB += (double)b[i] * b[i];
        }

        return normA > 0 && normB > 0 ? dot / Math.Sqrt(normA * normB) : 0;
    }

    private sealed class Candidate(string text, int sourceRank, int position)
    {
        public string Text { get; } = text;

        public int SourceRank { get; } = sourceRank;

        public int Position { get; } = position;

        public ReadOnlyMemory<float> Vector { get; set; }

        public double Score { get; set; }
    }
}
