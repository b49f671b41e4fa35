using System.Diagnostics;
using System.Text;
using QwenRag.Ingestion.Extraction;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Writer;
using Xunit.Abstractions;

namespace QwenRag.Ingestion.Tests;

/// <summary>Every extractor stops at its bounds with the bound named, and real documents stay well inside them.</summary>
public sealed class ExtractionLimitsTests(ITestOutputHelper output)
{
    private readonly DocumentExtractors _extractors = DocumentExtractors.CreateDefault();

    [Fact]
    public void Extract_DocxZipBomb_RejectedFromTheZipDirectory()
    {
        var error = Reject(HostileDocuments.ParagraphBomb, "bomb.docx");

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Matches(
            @"^bomb\.docx: the DOCX package's word/document\.xml inflates to at least [\d,]+ times its compressed size, "
                + @"more than the limit of 100 \(a zip bomb\) \(QwenRag:Ingestion:Extraction:MaxCompressionRatio\)$",
            error.Message);
    }

    [Fact]
    public void Extract_DocxZipBombWithRatioAllowed_RejectedOnItsDeclaredSize()
    {
        var limits = new ExtractionLimits { MaxCompressionRatio = 100_000, MaxUncompressedBytes = 64L * 1024 * 1024 };

        var error = Reject(HostileDocuments.ParagraphBomb, "bomb.docx", limits, out var allocated);

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("bomb.docx: the DOCX package inflates to more than 64 MB (QwenRag:Ingestion:Extraction:MaxUncompressedBytes)", error.Message);
        Assert.True(allocated < HostileDocuments.GigabyteAndABit / 4, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Extract_DocxZipBombLyingAboutItsSize_InflatesNoFurtherThanDeclared()
    {
        // Declared 1 MB passes the directory checks; the zip reader stops inflating there, so the XML ends early.
        var liar = HostileDocuments.WithDeclaredSizes(HostileDocuments.ParagraphBomb, 1024 * 1024);

        var error = Reject(liar, "liar.docx", ExtractionLimits.Default, out var allocated);

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
        Assert.StartsWith("liar.docx: the DOCX file is damaged", error.Message);
        Assert.True(allocated < HostileDocuments.GigabyteAndABit / 4, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Extract_DocxOneGiantTextRun_StopsAtTheTextLimitWhileStreaming()
    {
        var limits = new ExtractionLimits { MaxCompressionRatio = 100_000, MaxUncompressedBytes = 4L * 1024 * 1024 * 1024 };

        var error = Reject(HostileDocuments.TextRunBomb, "run.docx", limits, out var allocated);

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal(
            "run.docx: the document holds more than 20,000,000 characters of text (QwenRag:Ingestion:Extraction:MaxTextCharacters)",
            error.Message);
        Assert.True(allocated < HostileDocuments.GigabyteAndABit / 2, $"{allocated:N0} bytes allocated");
    }

    [Fact]
    public void Extract_DocxTagLongerThanAMegabyte_Rejected()
    {
        // '>' is allowed inside an attribute value, so only quotes tell where the tag ends.
        var body = "<w:p w:rsidR=\"" + new StringBuilder().Insert(0, "a>", 1024 * 1024) + "\"><w:r><w:t>x</w:t></w:r></w:p>";

        var error = Reject(HostileDocuments.Docx(body), "tag.docx", new ExtractionLimits { MaxCompressionRatio = 100_000 });

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("tag.docx: the DOCX package's word/document.xml has an XML tag longer than 1 MB", error.Message);
    }

    [Fact]
    public void Extract_DocxWithTooManyEntries_Rejected()
    {
        var docx = HostileDocuments.Docx("<w:p><w:r><w:t>hello</w:t></w:r></w:p>", extraEntries: 10_001);

        var error = Reject(docx, "entries.docx");

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal(
            "entries.docx: the DOCX package holds 10,004 files, more than the limit of 10,000 (QwenRag:Ingestion:Extraction:MaxArchiveEntries)",
            error.Message);
    }

    [Fact]
    public void Extract_DocxNestedDeep_Rejected()
    {
        var body = new StringBuilder("<w:p>").Insert(5, "<w:x>", 20_000).Append("<w:r><w:t>deep</w:t></w:r>");
        body.Insert(body.Length, "</w:x>", 20_000).Append("</w:p>");

        var error = Reject(HostileDocuments.Docx(body.ToString()), "deep.docx");

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal(
            "deep.docx: the DOCX document's XML nests deeper than 512 levels (QwenRag:Ingestion:Extraction:MaxNestingDepth)", error.Message);
    }

    [Fact]
    public void Extract_DocxOverElementLimit_Rejected()
    {
        var body = new StringBuilder().Insert(0, "<w:p><w:r><w:t>x</w:t></w:r></w:p>", 500).ToString();

        var error = Reject(HostileDocuments.Docx(body), "many.docx", new ExtractionLimits { MaxDocxElements = 1000 });

        Assert.Equal(
            "many.docx: the DOCX document's XML has more than 1,000 elements (QwenRag:Ingestion:Extraction:MaxDocxElements)", error.Message);
    }

    [Fact]
    public void Extract_DocxWrittenByHand_ReadLikeWord()
    {
        var body = """
            <w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:r><w:t>One</w:t><w:tab/><w:t>two</w:t><w:br/><w:t>three</w:t><w:noBreakHyphen/><w:t>four</w:t></w:r></w:p>
            <w:sdt><w:sdtContent><w:p><w:r><w:t>In a content control.</w:t></w:r></w:p></w:sdtContent></w:sdt>
            <w:tbl><w:tr><w:tc><w:p><w:r><w:t>a</w:t></w:r></w:p><w:p><w:r><w:t>b</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>c</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
            <w:sectPr><w:p><w:r><w:t>not body text</w:t></w:r></w:p></w:sectPr>
            """;

        var text = Assert.Single(_extractors.Extract(new MemoryStream(HostileDocuments.Docx(body)), "hand.docx").Sections).Text;

        Assert.Equal("One two\nthree-four\n\nIn a content control.\n\na b | c", text);
    }

    [Fact]
    public void Extract_HtmlNested100000Deep_RejectedBeforeParsing()
    {
        var html = Encoding.UTF8.GetBytes(HostileDocuments.DeepHtml(100_000));
        var clock = Stopwatch.StartNew();

        var error = Reject(html, "deep.html", ExtractionLimits.Default, out var allocated);

        output.WriteLine($"{html.Length:N0} bytes of HTML rejected in {clock.ElapsedMilliseconds} ms, {allocated:N0} bytes allocated");
        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("deep.html: the HTML nests deeper than 512 levels (QwenRag:Ingestion:Extraction:MaxNestingDepth)", error.Message);
    }

    [Theory]
    [InlineData("<div/>")]
    [InlineData("<b>")]
    [InlineData("<span a'>")]
    [InlineData("<section title=\"a>b\">")]
    public void Extract_HtmlNestedDeepInDisguise_Rejected(string tag)
    {
        var html = "<p>start" + new StringBuilder().Insert(0, tag, 5_000) + "end";

        var error = Reject(Encoding.UTF8.GetBytes(html), "disguise.html");

        Assert.Contains("nests deeper than 512 levels", error.Message);
    }

    [Fact]
    public void Extract_HtmlManySiblingsAndDeepScriptText_NotCountedAsNesting()
    {
        var html = "<ul>" + new StringBuilder().Insert(0, "<li>item<br><img src=x><p>para", 5_000) + "</ul>"
            + "<script>" + new StringBuilder().Insert(0, "<div>", 5_000) + "</script><svg>" + new StringBuilder().Insert(0, "<path/>", 5_000) + "</svg>";

        var text = Assert.Single(_extractors.Extract(new MemoryStream(Encoding.UTF8.GetBytes(html)), "flat.html").Sections).Text;

        Assert.StartsWith("item\n\npara", text);
    }

    [Fact]
    public void Extract_HtmlOverElementLimit_Rejected()
    {
        var html = new StringBuilder("<p>").Insert(3, "<span>x</span>", 5_000).ToString();

        var error = Reject(Encoding.UTF8.GetBytes(html), "many.html", new ExtractionLimits { MaxHtmlElements = 1_000 });

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("many.html: the HTML has more than 1,000 elements (QwenRag:Ingestion:Extraction:MaxHtmlElements)", error.Message);
    }

    [Fact]
    public void Extract_HtmlNestedJustUnderTheLimit_ReadWithoutOverflowingTheStack()
    {
        var text = Assert.Single(_extractors.Extract(
            new MemoryStream(Encoding.UTF8.GetBytes(HostileDocuments.DeepHtml(500, "span"))), "nested.html").Sections).Text;

        Assert.Equal("deep text", text);
    }

    [Fact]
    public void Extract_MarkdownBlockquotesNestedDeep_Rejected()
    {
        var error = Reject(Encoding.UTF8.GetBytes(new string('>', 10_000) + " quoted"), "quotes.md");

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("quotes.md: the Markdown nests deeper than the Markdown parser allows", error.Message);
    }

    [Fact]
    public void Extract_MarkdownLinksNestedThousandsDeep_ReadWithoutOverflowingTheStack()
    {
        var markdown = new string('[', 3_000) + "inner" + new StringBuilder().Insert(0, "](u)", 3_000);

        var text = Assert.Single(_extractors.Extract(new MemoryStream(Encoding.UTF8.GetBytes(markdown)), "links.md").Sections).Text;

        Assert.Contains("inner", text);
    }

    [Fact]
    public void Extract_MarkdownWithDeepHtmlBlock_RejectedLikeHtml()
    {
        var markdown = "# Title\n\n" + HostileDocuments.DeepHtml(2_000)[15..] + "\n";

        var error = Reject(Encoding.UTF8.GetBytes(markdown), "html.md");

        Assert.Equal("html.md: the HTML nests deeper than 512 levels (QwenRag:Ingestion:Extraction:MaxNestingDepth)", error.Message);
    }

    [Theory]
    [InlineData("long.txt")]
    [InlineData("long.md")]
    [InlineData("long.html")]
    public void Extract_TextOverCharacterLimit_Rejected(string name)
    {
        var error = Reject(Encoding.UTF8.GetBytes(new string('a', 101)), name, new ExtractionLimits { MaxTextCharacters = 100 });

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal($"{name}: the document holds more than 100 characters of text (QwenRag:Ingestion:Extraction:MaxTextCharacters)", error.Message);
    }

    [Fact]
    public void Extract_PdfOverPageLimit_Rejected()
    {
        var error = Reject(Pdf(pages: 3, "A page of text."), "pages.pdf", new ExtractionLimits { MaxPages = 2 });

        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("pages.pdf: the PDF has 3 pages, more than the limit of 2 (QwenRag:Ingestion:Extraction:MaxPages)", error.Message);
    }

    [Fact]
    public void Extract_PdfOverTextLimit_Rejected()
    {
        var pdf = Pdf(pages: 2, "Twenty characters of text on every page.");

        var within = _extractors.Extract(new MemoryStream(pdf), "text.pdf", limits: new ExtractionLimits { MaxTextCharacters = 100 });
        var error = Reject(pdf, "text.pdf", new ExtractionLimits { MaxTextCharacters = 60 });

        Assert.Equal(2, within.Sections.Count);
        Assert.Equal(DocumentRejectionReason.OverLimit, error.Reason);
        Assert.Equal("text.pdf: the document holds more than 60 characters of text (QwenRag:Ingestion:Extraction:MaxTextCharacters)", error.Message);
    }

    [Fact]
    public void Extract_CorpusPdfOverTimeBudget_RejectedAsTimedOut()
    {
        var pdf = File.ReadAllBytes(TestCorpus.Pdf("amsldoc.pdf"));

        var error = Reject(pdf, "amsldoc.pdf", new ExtractionLimits { TimeBudget = TimeSpan.FromMilliseconds(1) });

        Assert.Equal(DocumentRejectionReason.TimedOut, error.Reason);
        Assert.Equal(
            "amsldoc.pdf: extracting the text took longer than the time budget of 0.001 s (QwenRag:Ingestion:Extraction:TimeBudget)",
            error.Message);
    }

    [Fact]
    public void Extract_CallerCancels_StaysACancellationNotARejection()
    {
        using var cancelled = new CancellationTokenSource();
        using var pdf = File.OpenRead(TestCorpus.Pdf("amsldoc.pdf"));
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => _extractors.Extract(pdf, "amsldoc.pdf", cancellationToken: cancelled.Token));
    }

    [Fact]
    public void Extract_EveryCorpusDocument_WithinTheDefaultLimits()
    {
        var files = TestCorpus.AllPdfs().Where(path => !Path.GetFileName(path).StartsWith("ocr-", StringComparison.Ordinal))
            .Concat(Directory.EnumerateFiles(TestCorpus.Mixed).Where(path => _extractors.TryResolve(path, null, out _)));

        foreach (var path in files)
        {
            using var stream = File.OpenRead(path);
            Assert.NotEmpty(_extractors.Extract(stream, Path.GetFileName(path), limits: ExtractionLimits.Default).Sections);
        }
    }

    [Fact]
    public void Validate_ZeroOrNegativeBounds_EachNamed()
    {
        var limits = new ExtractionLimits { MaxPages = 0, MaxNestingDepth = -1, TimeBudget = TimeSpan.Zero };

        var failures = limits.Validate();

        Assert.Equal(
            [
                "QwenRag:Ingestion:Extraction:MaxPages must be greater than 0 (was 0).",
                "QwenRag:Ingestion:Extraction:MaxNestingDepth must be greater than 0 (was -1).",
                "QwenRag:Ingestion:Extraction:TimeBudget must be a positive time span of at most 24 days (was 00:00:00).",
            ],
            failures);
        Assert.Empty(ExtractionLimits.Default.Validate());
    }

    private DocumentRejectedException Reject(byte[] content, string name, ExtractionLimits? limits = null) =>
        Reject(content, name, limits ?? ExtractionLimits.Default, out _);

    private DocumentRejectedException Reject(byte[] content, string name, ExtractionLimits limits, out long allocated)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<DocumentRejectedException>(() => _extractors.Extract(new MemoryStream(content), name, limits: limits));
        allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        output.WriteLine($"{name}: {clock.ElapsedMilliseconds} ms, {allocated:N0} bytes allocated, peak working set "
            + $"{Process.GetCurrentProcess().PeakWorkingSet64 / (1024 * 1024):N0} MB: {error.Message}");
        return error;
    }

    private static byte[] Pdf(int pages, string text)
    {
        var builder = new PdfDocumentBuilder();
        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        for (var i = 0; i < pages; i++)
        {
            builder.AddPage(PageSize.A4).AddText(text, 12, new PdfPoint(72, 720), font);
        }

        return builder.Build();
    }
}
