using System.Diagnostics;
using Microsoft.ML.Tokenizers;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Retrieval.Embeddings;
using Xunit.Abstractions;

namespace QwenRag.Ingestion.Tests;

public sealed class ChunkerTests(ITestOutputHelper output)
{
    private static readonly Lazy<BertTokenizer> SharedTokenizer = new(MiniLmResources.CreateTokenizer);

    private static BertTokenizer Tokenizer => SharedTokenizer.Value;

    private readonly Chunker _chunker = new(Tokenizer, new ChunkingOptions());

    [Fact]
    public void CountTokens_Text_ExcludesClsAndSep()
    {
        Assert.Equal(3, Tokenizer.EncodeToIds("hello").Count);
        Assert.Equal(1, _chunker.CountTokens("hello"));
    }

    [Fact]
    public void Chunk_EveryCorpusPdf_EveryChunkWithinModelLimit()
    {
        foreach (var name in TestCorpus.TextPdfNames())
        {
            var document = TestCorpus.ExtractPdf(name);
            var stopwatch = Stopwatch.StartNew();
            var chunks = _chunker.Chunk(document);
            stopwatch.Stop();

            // As is, and with line breaks as spaces (BertTokenizer drops line breaks, gluing words; see Chunker).
            var counts = chunks.Select(chunk => Tokenizer.EncodeToIds(chunk.Text, addSpecialTokens: true).Count).ToArray();
            var spacedCounts = chunks.Select(chunk => Tokenizer.EncodeToIds(chunk.Text.ReplaceLineEndings(" "), addSpecialTokens: true).Count);
            for (var i = 0; i < counts.Length; i++)
            {
                Assert.True(counts[i] <= MiniLmResources.MaxInputTokens, $"{name} chunk {i} has {counts[i]} tokens: {chunks[i].Text}");
            }

            Assert.All(spacedCounts, count => Assert.InRange(count, 3, MiniLmResources.MaxInputTokens));

            Assert.Equal(Enumerable.Range(0, chunks.Count), chunks.Select(chunk => chunk.Index));
            Assert.All(chunks, chunk => Assert.False(string.IsNullOrWhiteSpace(chunk.Text)));
            Assert.All(chunks, chunk => Assert.InRange(chunk.PageStart, 1, chunk.PageEnd));
            Assert.True(chunks.Zip(chunks.Skip(1)).All(pair => pair.First.PageStart <= pair.Second.PageStart), "pages go backwards");
            Assert.Equal(document.Sections[^1].Page, chunks[^1].PageEnd);
            output.WriteLine(
                $"{name}: {document.Sections.Count} pages with text, {chunks.Count} chunks, "
                + $"tokens min {counts.Min()} mean {counts.Average():F0} max {counts.Max()}, "
                + $"{chunks.Count(chunk => chunk.PageStart != chunk.PageEnd)} spanning pages, chunked in {stopwatch.ElapsedMilliseconds} ms");
        }
    }

    [Fact]
    public void Chunk_CorpusQuestionPage_AnswerInAChunkCoveringThatPage()
    {
        foreach (var question in TestCorpus.PdfQuestions().Where(question => question.Id is "q01" or "q31" or "q47"))
        {
            var chunks = _chunker.Chunk(TestCorpus.ExtractPdf(question.Document));

            Assert.Contains(chunks, chunk =>
                chunk.PageStart <= question.Page && question.Page <= chunk.PageEnd
                && TestCorpus.Loose(chunk.Text).Contains(TestCorpus.Loose(question.Answer), StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Chunk_ManySentences_ChunksEndAtSentenceEnds()
    {
        var chunks = _chunker.Chunk(Document((1, Sentences(1, 120))));

        Assert.True(chunks.Count > 3);
        Assert.All(chunks, chunk => Assert.EndsWith(".", chunk.Text));
        Assert.All(chunks, chunk => Assert.StartsWith("Sentence number", chunk.Text));
        Assert.All(chunks.SkipLast(1), chunk => Assert.InRange(_chunker.CountTokens(chunk.Text), 100, 254));
    }

    [Fact]
    public void Chunk_ConsecutiveChunks_OverlapWithWholeTrailingSentences()
    {
        var chunks = _chunker.Chunk(Document((1, Sentences(1, 120))));

        foreach (var (previous, next) in chunks.Zip(chunks.Skip(1)))
        {
            var firstNewSentence = FirstSentenceNotIn(next.Text, previous.Text);
            var overlap = next.Text[..firstNewSentence].TrimEnd();
            Assert.NotEmpty(overlap);
            Assert.EndsWith(overlap, previous.Text);
            Assert.InRange(_chunker.CountTokens(overlap), 1, 40);
        }
    }

    [Fact]
    public void Chunk_OverlapFromPreviousPage_PageStartIsThatPage()
    {
        var chunks = _chunker.Chunk(Document((3, Sentences(1, 30)), (4, Sentences(31, 60))));

        var spanning = chunks.Where(chunk => chunk.Text.Contains("number 30 ", StringComparison.Ordinal)
            && chunk.Text.Contains("number 31 ", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(spanning);
        Assert.All(spanning, chunk => Assert.Equal((3, 4), (chunk.PageStart, chunk.PageEnd)));
        Assert.Equal((3, 3), (chunks[0].PageStart, chunks[0].PageEnd));
        Assert.Equal(4, chunks[^1].PageStart);
    }

    [Fact]
    public void Chunk_ParagraphsThatFitSeparately_SplitAtParagraphBoundary()
    {
        var first = Sentences(1, 12);
        var second = Sentences(13, 24);

        var chunks = _chunker.Chunk(Document((1, first + "\n\n" + second)));

        Assert.Equal(2, chunks.Count);
        Assert.Equal(first, chunks[0].Text);
        Assert.EndsWith(second, chunks[1].Text);
        Assert.Contains(".\n\nSentence number 13 ", chunks[1].Text);
    }

    [Fact]
    public void Chunk_LongSentenceWithoutPunctuation_SplitAtWordsWithinLimit()
    {
        var words = Enumerable.Range(0, 1500).Select(i => $"word{i}").ToArray();

        var chunks = _chunker.Chunk(Document((1, string.Join(' ', words))));

        Assert.True(chunks.Count >= 5);
        Assert.All(chunks, chunk => Assert.InRange(Tokenizer.EncodeToIds(chunk.Text).Count, 3, 256));
        Assert.All(chunks, chunk => Assert.All(chunk.Text.Split(' '), word => Assert.Contains(word, words)));
        Assert.Equal(words, chunks.SelectMany(chunk => chunk.Text.Split(' ')).Distinct());
    }

    [Fact]
    public void Chunk_MonstrousWord_HardSplitWithinLimit()
    {
        var monster = string.Join(",", Enumerable.Range(0, 3000));

        var chunks = _chunker.Chunk(Document((1, $"Before. {monster} After.")));

        Assert.All(chunks, chunk => Assert.InRange(Tokenizer.EncodeToIds(chunk.Text).Count, 3, 256));
        var rejoined = string.Concat(chunks.Select(chunk => chunk.Text));
        Assert.Contains("2998,2999", rejoined);
        Assert.Equal("Before.", chunks[0].Text);
        Assert.StartsWith("0,1,2,", chunks[1].Text);
        Assert.EndsWith("After.", chunks[^1].Text);
    }

    [Fact]
    public void Chunk_LinesWithoutSentenceEnds_FitAsIsAndWithLineBreaksAsSpaces()
    {
        // An index page: hundreds of short lines and no full stops; the tokenizer glues words across "\n".
        var lines = string.Join('\n', Enumerable.Range(0, 600).Select(i => $"\\command{i}, {i % 40}"));

        var chunks = _chunker.Chunk(Document((1, lines)));

        Assert.True(chunks.Count > 5);
        Assert.All(chunks, chunk => Assert.InRange(Tokenizer.EncodeToIds(chunk.Text).Count, 3, 256));
        Assert.All(chunks, chunk => Assert.InRange(Tokenizer.EncodeToIds(chunk.Text.Replace('\n', ' ')).Count, 3, 256));
        Assert.Contains(chunks, chunk => chunk.Text.Contains("\\command599, 39", StringComparison.Ordinal));
    }

    [Fact]
    public void Chunk_SameDocumentTwice_SameChunks()
    {
        var document = Document((1, Sentences(1, 80)), (2, Sentences(81, 150)));

        Assert.Equal(_chunker.Chunk(document), new Chunker(Tokenizer, new ChunkingOptions()).Chunk(document));
    }

    [Fact]
    public void Chunk_ShortDocument_OneChunk()
    {
        var chunks = _chunker.Chunk(Document((2, "Only one sentence here.")));

        Assert.Equal([new TextChunk(0, 2, 2, "Only one sentence here.")], chunks);
    }

    [Fact]
    public void Chunk_EmptyOrBlankSections_NoChunks()
    {
        Assert.Empty(_chunker.Chunk(new ExtractedDocument([])));
        Assert.Empty(_chunker.Chunk(Document((1, " \n\n "), (2, ""))));
    }

    [Fact]
    public void Chunk_SmallerLimits_Honoured()
    {
        var chunker = new Chunker(Tokenizer, new ChunkingOptions { MaxTokens = 64, TargetTokens = 50, OverlapTokens = 10 });

        var chunks = chunker.Chunk(Document((1, Sentences(1, 40))));

        Assert.All(chunks, chunk => Assert.InRange(Tokenizer.EncodeToIds(chunk.Text).Count, 3, 64));
    }

    [Theory]
    [InlineData(4, 2, 0)]
    [InlineData(256, 0, 0)]
    [InlineData(256, 200, 200)]
    [InlineData(256, 200, -1)]
    public void Constructor_InvalidOptions_Throws(int maxTokens, int targetTokens, int overlapTokens)
    {
        Assert.ThrowsAny<ArgumentOutOfRangeException>(() => new Chunker(
            Tokenizer, new ChunkingOptions { MaxTokens = maxTokens, TargetTokens = targetTokens, OverlapTokens = overlapTokens }));
    }

    private static ExtractedDocument Document(params (int Page, string Text)[] sections) =>
        new([.. sections.Select(section => new ExtractedSection(section.Page, section.Text))]);

    private static string Sentences(int first, int last) =>
        string.Join(' ', Enumerable.Range(first, last - first + 1).Select(i => $"Sentence number {i} tells a short story about item {i}."));

    private static int FirstSentenceNotIn(string chunk, string previous)
    {
        var position = 0;
        foreach (var sentence in chunk.Split(". "))
        {
            if (!previous.Contains(sentence, StringComparison.Ordinal))
            {
                return position;
            }

            position += sentence.Length + 2;
        }

        return chunk.Length;
    }
}
