using Microsoft.ML.Tokenizers;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval.Embeddings;

namespace QwenRag.Ingestion.Tests;

/// <summary>Chunks carry the heading they start under; what is embedded adds title and heading and still fits the model.</summary>
public sealed class ChunkContextTests
{
    private static readonly Lazy<BertTokenizer> SharedTokenizer = new(MiniLmResources.CreateTokenizer);

    private readonly Chunker _chunker = new(SharedTokenizer.Value, new ChunkingOptions());

    [Fact]
    public void Chunk_Headings_EachChunkUnderTheHeadingOfItsFirstSentence()
    {
        var small = new Chunker(SharedTokenizer.Value, new ChunkingOptions { MaxTokens = 40, TargetTokens = 30, OverlapTokens = 6 });
        var withHeadings = Report();
        var without = new ExtractedDocument([.. withHeadings.Sections.Select(section => section with { Headings = [] })]);

        var chunks = small.Chunk(withHeadings);

        Assert.Equal(small.Chunk(without).Select(chunk => chunk.Text), chunks.Select(chunk => chunk.Text));
        Assert.True(chunks.Count > 6, $"only {chunks.Count} chunks");
        foreach (var chunk in chunks)
        {
            var expected = chunk.Text.StartsWith("Opening", StringComparison.Ordinal) ? null
                : chunk.Text.StartsWith("Tide", StringComparison.Ordinal) ? "Tides"
                : chunk.Text.StartsWith("Lamp", StringComparison.Ordinal) ? "Lamps"
                : "?";
            Assert.True(expected == chunk.Heading, $"chunk {chunk.Index} under {chunk.Heading ?? "none"}: {chunk.Text}");
        }

        Assert.All(without.Sections, section => Assert.Empty(section.Headings));
        Assert.All(small.Chunk(without), chunk => Assert.Null(chunk.Heading));
    }

    [Fact]
    public void Chunk_CorpusPdf_HeadingsInDocumentOrder()
    {
        var document = TestCorpus.ExtractPdf("yarn.pdf");
        var order = document.Sections.SelectMany(section => section.Headings).Select(heading => heading.Text).ToList();

        var chunks = _chunker.Chunk(document);

        var position = 0;
        foreach (var chunk in chunks.Where(chunk => chunk.Heading is not null))
        {
            var at = order.IndexOf(chunk.Heading!, position);
            Assert.True(at >= 0, $"chunk {chunk.Index} (p. {chunk.PageStart}) under {chunk.Heading}, out of order");
            position = at;
        }

        Assert.Contains(chunks, chunk => chunk.Heading == "Position Interpolation" && chunk.PageStart == 3);
        Assert.True(chunks.Select(chunk => chunk.Heading).Distinct().Count() > 15);
    }

    [Theory]
    [InlineData("Tide Report", "Tables", "text", "Tide Report\nTables\ntext")]
    [InlineData("Tide Report", "tide report", "text", "Tide Report\ntext")]
    [InlineData(null, "Tables", "text", "Tables\ntext")]
    [InlineData("Tide Report", null, "text", "Tide Report\ntext")]
    [InlineData(" ", "", "text", "text")]
    public void Compose_EmptyPartsAndRepeatedTitleLeftOut(string? title, string? heading, string text, string expected) =>
        Assert.Equal(expected, ChunkContext.Compose(title, heading, text));

    [Fact]
    public void Chunk_ContextOff_TodaysChunksEmbeddedAsTheyAre()
    {
        var document = TestCorpus.ExtractPdf("lppl-1.3c.pdf");

        var chunks = ChunkContext.Chunk(_chunker, document, "lppl-1.3c.pdf", ChunkContextParts.Off, modelMaxInputTokens: 256);

        Assert.Equal(_chunker.Chunk(document), chunks.Select(item => item.Chunk));
        Assert.All(chunks, item => Assert.Same(item.Chunk.Text, item.EmbeddedText));
    }

    [Fact]
    public void Chunk_ContextOn_EmbeddedTextHasTitleAndHeadingAndFitsTheWindow()
    {
        const int Window = 256;
        var overflowWithoutReserve = 0;
        foreach (var name in new[] { "yarn.pdf", "amsldoc.pdf", "csquotes-DE.pdf" })
        {
            var document = TestCorpus.ExtractPdf(name);

            var chunks = ChunkContext.Chunk(_chunker, document, name, ChunkContextParts.TitleAndHeading, modelMaxInputTokens: Window);

            Assert.NotEmpty(chunks);
            foreach (var item in chunks)
            {
                Assert.StartsWith(TitleStart(document.Title!), item.EmbeddedText);
                Assert.EndsWith("\n" + item.Chunk.Text, item.EmbeddedText);
                Assert.InRange(Tokens(item.EmbeddedText), 3, Window);
                if (item.Chunk.Heading is { } heading && !string.Equals(heading, document.Title, StringComparison.OrdinalIgnoreCase))
                {
                    Assert.Contains("\n" + HeadingStart(heading), item.EmbeddedText[..^item.Chunk.Text.Length]);
                }
            }

            // The same context over chunks cut for the whole window would not fit: the reserve is what makes it fit.
            overflowWithoutReserve += _chunker.Chunk(document)
                .Count(chunk => Tokens(ChunkContext.Compose(document.Title, chunk.Heading, chunk.Text)) > Window);
        }

        Assert.True(overflowWithoutReserve > 0);
    }

    [Fact]
    public void Chunk_NoTitle_FileNameWithoutExtension()
    {
        var document = new ExtractedDocument([new ExtractedSection(1, "High water comes at noon.")]);

        var item = Assert.Single(ChunkContext.Chunk(_chunker, document, "scan_0042.pdf", ChunkContextParts.TitleAndHeading));

        Assert.Equal("scan_0042\nHigh water comes at noon.", item.EmbeddedText);
        Assert.Equal("High water comes at noon.", item.Chunk.Text);
    }

    [Theory]
    [InlineData(ChunkContextParts.FileName, "tides-2025\nHigh water comes at noon.")]
    [InlineData(ChunkContextParts.FileName | ChunkContextParts.Title, "tides-2025\nHarbour Tide Report\nHigh water comes at noon.")]
    [InlineData(ChunkContextParts.FileName | ChunkContextParts.Heading, "tides-2025\nNoon\nHigh water comes at noon.")]
    [InlineData(ChunkContextParts.Heading, "Noon\nHigh water comes at noon.")]
    [InlineData(ChunkContextParts.Title, "Harbour Tide Report\nHigh water comes at noon.")]
    public void Chunk_Parts_EmbedExactlyTheChosenLines(ChunkContextParts parts, string embedded)
    {
        var document = new ExtractedDocument(
            [new ExtractedSection(1, "High water comes at noon.") { Headings = [new(0, "Noon")] }], "Harbour Tide Report");

        var item = Assert.Single(ChunkContext.Chunk(_chunker, document, "tides-2025.pdf", parts));

        Assert.Equal(embedded, item.EmbeddedText);
        Assert.Equal("High water comes at noon.", item.Chunk.Text);
    }

    [Fact]
    public void Chunk_LongTitleAndHeadingInASmallWindow_CutToWholeWordsAndFit()
    {
        const int Window = 64;
        var words = string.Join(' ', Enumerable.Range(0, 15).Select(i => $"harbourmaster{i}"));
        var document = new ExtractedDocument(
            [new ExtractedSection(1, "Intro\n\n" + string.Join(' ', Enumerable.Repeat("The tide rises at noon.", 60))) { Headings = [new(0, words)] }],
            words);

        var chunks = ChunkContext.Chunk(_chunker, document, "x.pdf", ChunkContextParts.TitleAndHeading, modelMaxInputTokens: Window);

        Assert.True(chunks.Count > 3);
        foreach (var item in chunks)
        {
            Assert.InRange(Tokens(item.EmbeddedText), 3, Window);
            var context = item.EmbeddedText[..^item.Chunk.Text.Length].TrimEnd('\n');
            Assert.StartsWith("harbourmaster0 ", context);
            Assert.InRange(_chunker.CountTokens(context), 1, Window / 4);
            Assert.DoesNotContain("harbourmaster14", context);
        }
    }

    private static string TitleStart(string title) => title.Split(' ')[0];

    private static string HeadingStart(string heading) => heading.Split(' ')[0];

    // What the model reads: [CLS] and [SEP] included, line breaks as spaces (see MiniLmEmbeddingGenerator).
    private static int Tokens(string text) => SharedTokenizer.Value.EncodeToIds(text.ReplaceLineEndings(" "), addSpecialTokens: true).Count;

    private static ExtractedDocument Report()
    {
        var tides = string.Join(' ', Enumerable.Range(1, 20).Select(i => $"Tide sentence number {i} tells of high water."));
        var lamps = string.Join(' ', Enumerable.Range(1, 20).Select(i => $"Lamp sentence number {i} tells of the cellar."));
        var first = $"Opening words before any heading.\n\nTides\n{tides}";
        var second = $"Tide tables go on here.\n\nLamps\n{lamps}";
        return new ExtractedDocument(
        [
            new ExtractedSection(1, first) { Headings = [new(first.IndexOf("Tides", StringComparison.Ordinal), "Tides")] },
            new ExtractedSection(2, second) { Headings = [new(second.IndexOf("Lamps", StringComparison.Ordinal), "Lamps")] },
        ],
            "Harbour Report");
    }
}
