using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Chunking;

/// <summary>
/// Cuts a document into chunks that fit the embedding model: paragraph boundaries first, then sentence
/// boundaries, then words, with whole trailing sentences of each chunk repeated at the start of the next.
/// Each sentence is tokenised once; each finished chunk is counted once more as a guard. Each chunk carries the
/// heading in effect at its first sentence (see <see cref="ExtractedSection.Headings"/>); its text is the document's
/// own.
/// </summary>
public sealed class Chunker
{
    private const int SpecialTokens = 2; // [CLS] and [SEP]

    private static readonly SearchValues<char> ControlWhitespace = SearchValues.Create("\n\r\t\v\f");

    private readonly Tokenizer _tokenizer;
    private readonly ChunkingOptions _options;
    private readonly int _budget;
    private readonly int _target;
    private readonly int _overlap;

    public Chunker(Tokenizer tokenizer, ChunkingOptions options)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxTokens, SpecialTokens + 8, nameof(options.MaxTokens));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TargetTokens, 1, nameof(options.TargetTokens));
        ArgumentOutOfRangeException.ThrowIfNegative(options.OverlapTokens, nameof(options.OverlapTokens));
        _tokenizer = tokenizer;
        _options = options;
        _budget = options.MaxTokens - SpecialTokens;
        _target = Math.Min(options.TargetTokens, _budget);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(options.OverlapTokens, _target, nameof(options.OverlapTokens));
        _overlap = options.OverlapTokens;
    }

    /// <summary>The input limit chunks are cut for, [CLS] and [SEP] included (<see cref="ChunkingOptions.MaxTokens"/>).</summary>
    public int MaxTokens => _options.MaxTokens;

    /// <summary>
    /// A chunker like this one with chunks of at most <paramref name="maxTokens"/> (never more than this one's;
    /// target and overlap shrink with it where they would not fit), e.g. to leave room for text embedded with each chunk.
    /// </summary>
    public Chunker WithMaxTokens(int maxTokens)
    {
        var max = Math.Max(Math.Min(maxTokens, _options.MaxTokens), SpecialTokens + 8);
        if (max == _options.MaxTokens)
        {
            return this;
        }

        var target = Math.Min(_options.TargetTokens, max - SpecialTokens);
        return new Chunker(_tokenizer, new ChunkingOptions
        {
            MaxTokens = max,
            TargetTokens = target,
            OverlapTokens = Math.Min(_options.OverlapTokens, target / 5),
        });
    }

    /// <summary>Tokens of <paramref name="text"/> alone, without [CLS] and [SEP].</summary>
    /// <remarks>
    /// Microsoft.ML.Tokenizers' BertTokenizer (2.0.1) drops line breaks and tabs instead of treating them as
    /// spaces, gluing the words on either side ("a\nb" reads as "ab"). Whichever way the embedder ends up
    /// feeding the text, the larger of the two counts is what has to fit.
    /// </remarks>
    public int CountTokens(string text)
    {
        var asIs = CountRaw(text);
        return text.AsSpan().IndexOfAny(ControlWhitespace) < 0 ? asIs : Math.Max(asIs, CountRaw(ControlWhitespaceAsSpaces(text)));
    }

    public IReadOnlyList<TextChunk> Chunk(ExtractedDocument document)
    {
        ArgumentNullException.ThrowIfNull(document);
        var segments = Segments(document);
        var paragraphTokens = ParagraphTokens(segments);
        var chunks = new List<TextChunk>();
        var current = new List<Segment>();
        var currentTokens = 0;
        var overlapCount = 0;
        for (var i = 0; i < segments.Count; i++)
        {
            var segment = segments[i];
            if (current.Count > overlapCount && ShouldClose(currentTokens, segment, paragraphTokens[i]))
            {
                Emit(current, chunks);
                current = Overlap(current);
                overlapCount = current.Count;
                currentTokens = current.Sum(s => s.Tokens);
            }

            // Overlap gives way to new text when both do not fit.
            while (current.Count > 0 && currentTokens + segment.Tokens > _budget)
            {
                currentTokens -= current[0].Tokens;
                current.RemoveAt(0);
                overlapCount--;
            }

            current.Add(segment);
            currentTokens += segment.Tokens;
        }

        if (current.Count > overlapCount)
        {
            Emit(current, chunks);
        }

        return chunks;
    }

    private int CountRaw(string text) => _tokenizer is BertTokenizer bert
        ? bert.EncodeToIds(text, addSpecialTokens: false).Count
        : _tokenizer.CountTokens(text);

    private static string ControlWhitespaceAsSpaces(string text) => string.Create(text.Length, text, (span, source) =>
    {
        source.AsSpan().CopyTo(span);
        for (var i = span.IndexOfAny(ControlWhitespace); i >= 0; i = span.IndexOfAny(ControlWhitespace))
        {
            span[i] = ' ';
        }
    });

    private bool ShouldClose(int currentTokens, Segment next, int nextParagraphTokens)
    {
        var combined = currentTokens + next.Tokens;
        if (combined > _budget)
        {
            return true;
        }

        // A paragraph that will not fit in what is left of the target starts a chunk of its own.
        if (next.Join == SegmentJoin.Paragraph && currentTokens >= _target / 2 && currentTokens + nextParagraphTokens > _target)
        {
            return true;
        }

        // Past the target, close at this sentence boundary unless that would leave a tiny chunk behind.
        return combined > _target && currentTokens >= _target / 2;
    }

    private List<Segment> Overlap(List<Segment> previous)
    {
        var start = previous.Count;
        var tokens = 0;
        while (start > 1 && tokens + previous[start - 1].Tokens <= _overlap)
        {
            start--;
            tokens += previous[start].Tokens;
        }

        // Whole sentences only: never open on the tail of a word split in pieces.
        while (start < previous.Count && previous[start].Join == SegmentJoin.Glued)
        {
            start++;
        }

        return previous[start..];
    }

    private void Emit(List<Segment> segments, List<TextChunk> chunks)
    {
        var text = Join(segments);
        if (segments.Count > 1 && CountTokens(text) > _budget)
        {
            // The parts' counts did not add up (words glued across a line break, a split word re-tokenised): halve.
            var half = segments.Count / 2;
            Emit(segments[..half], chunks);
            Emit(segments[half..], chunks);
            return;
        }

        chunks.Add(new TextChunk(chunks.Count, segments.Min(s => s.Page), segments.Max(s => s.Page), text, segments[0].Heading));
    }

    private static string Join(List<Segment> segments)
    {
        var builder = new StringBuilder(segments[0].Text);
        for (var i = 1; i < segments.Count; i++)
        {
            builder.Append(segments[i].Separator).Append(segments[i].Text);
        }

        return builder.ToString();
    }

    private List<Segment> Segments(ExtractedDocument document)
    {
        var segments = new List<Segment>();
        string? heading = null;
        foreach (var section in document.Sections)
        {
            var headings = section.Headings;
            var nextHeading = 0;
            var paragraphCursor = 0;
            foreach (var paragraph in SentenceBoundaries.Paragraphs(section.Text))
            {
                // Paragraphs and sentences are pieces of the section's text in order: found where the last one ended.
                var paragraphAt = section.Text.IndexOf(paragraph, paragraphCursor, StringComparison.Ordinal);
                paragraphCursor = paragraphAt + paragraph.Length;
                var sentenceCursor = 0;
                var join = SegmentJoin.Paragraph;
                foreach (var (separator, sentence) in SentenceBoundaries.Sentences(paragraph))
                {
                    if (separator.Length > 0)
                    {
                        join = SentenceBoundaries.JoinFor(separator);
                    }

                    var sentenceAt = paragraph.IndexOf(sentence, sentenceCursor, StringComparison.Ordinal);
                    sentenceCursor = sentenceAt + sentence.Length;

                    // A heading that starts within the sentence is the sentence's heading.
                    while (nextHeading < headings.Count && headings[nextHeading].Offset < paragraphAt + sentenceCursor)
                    {
                        heading = headings[nextHeading++].Text;
                    }

                    AddSentence(sentence, section.Page, join, heading, segments);
                }
            }
        }

        return segments;
    }

    private void AddSentence(string sentence, int page, SegmentJoin join, string? heading, List<Segment> segments)
    {
        var tokens = CountTokens(sentence);
        if (tokens == 0)
        {
            return;
        }

        if (tokens <= _budget)
        {
            segments.Add(new Segment(sentence, page, tokens, join, heading));
            return;
        }

        // Too long for one chunk: its words become the segments, packed like sentences.
        foreach (var (separator, word) in SentenceBoundaries.Words(sentence))
        {
            var wordJoin = separator.Length > 0 ? SentenceBoundaries.JoinFor(separator) : join;
            var wordTokens = CountTokens(word);
            if (wordTokens > _budget)
            {
                AddHardSplit(word, page, wordJoin, heading, segments);
            }
            else if (wordTokens > 0)
            {
                segments.Add(new Segment(word, page, wordTokens, wordJoin, heading));
            }
        }
    }

    /// <summary>A "word" longer than a whole chunk (a URL, a hash, a table squashed together): the longest prefixes that fit.</summary>
    private void AddHardSplit(string word, int page, SegmentJoin join, string? heading, List<Segment> segments)
    {
        var rest = word;
        while (rest.Length > 0)
        {
            var (low, high) = (1, rest.Length);
            while (low < high)
            {
                var middle = (low + high + 1) / 2;
                if (CountTokens(rest[..middle]) <= _budget)
                {
                    low = middle;
                }
                else
                {
                    high = middle - 1;
                }
            }

            if (low < rest.Length && char.IsHighSurrogate(rest[low - 1]))
            {
                low = Math.Max(1, low - 1);
            }

            var piece = rest[..low];
            segments.Add(new Segment(piece, page, CountTokens(piece), join, heading));
            join = SegmentJoin.Glued;
            rest = rest[low..];
        }
    }

    private static int[] ParagraphTokens(List<Segment> segments)
    {
        // For each segment, the tokens from it to the end of its paragraph (read only where a paragraph starts).
        var totals = new int[segments.Count];
        var running = 0;
        for (var i = segments.Count - 1; i >= 0; i--)
        {
            running += segments[i].Tokens;
            totals[i] = running;
            if (segments[i].Join == SegmentJoin.Paragraph)
            {
                running = 0;
            }
        }

        return totals;
    }
}
