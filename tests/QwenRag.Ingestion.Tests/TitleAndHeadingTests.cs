using System.Text;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using QwenRag.Ingestion.Extraction;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Fonts.Standard14Fonts;
using UglyToad.PdfPig.Outline;
using UglyToad.PdfPig.Outline.Destinations;
using UglyToad.PdfPig.Writer;
using PdfPageSize = UglyToad.PdfPig.Content.PageSize;

namespace QwenRag.Ingestion.Tests;

/// <summary>The title and headings each extractor reports, on the shared corpus and on built or hostile documents.</summary>
public sealed class TitleAndHeadingTests
{
    private readonly DocumentExtractors _extractors = DocumentExtractors.CreateDefault();

    [Theory]
    [InlineData("csquotes-DE.pdf", "Das csquotes Paket")]
    [InlineData("latex-usrguide.pdf", "LaTeX for authors — current version")]
    [InlineData("beamerexample-conference-talk.pdf", "On the Complexity of SNP Block Partitioning Under the Perfect Phylogeny Model")]
    public void Pdf_InformationTitle_IsTheTitle(string name, string title) =>
        Assert.Equal(title, TestCorpus.ExtractPdf(name).Title);

    [Theory]
    [InlineData("yarn.pdf", "YaRN: Efficient Context Window Extension of Large Language Models")]
    [InlineData("amsldoc.pdf", "User’s Guide for the amsmath Package (Version 2.1)")]
    [InlineData("lppl-1.3c.pdf", "The LATEX Project Public License")]
    public void Pdf_NoInformationTitle_LargestLineOfPageOne(string name, string title) =>
        Assert.Equal(title, TestCorpus.ExtractPdf(name).Title);

    [Fact]
    public void Pdf_Outline_EachHeadingAtItsOwnLine()
    {
        var yarn = TestCorpus.ExtractPdf("yarn.pdf");
        var amsldoc = TestCorpus.ExtractPdf("amsldoc.pdf");

        Assert.Equal("2.2 Position Interpolation", HeadingLine(yarn, 3, "Position Interpolation"));
        Assert.Equal("4.3.2 Passkey Retrieval", HeadingLine(yarn, 9, "Passkey Retrieval"));

        // Page 7's running head reads "3.1. INTRODUCTION 3": the heading is the section's own line.
        Assert.Equal("3.1 Introduction", HeadingLine(amsldoc, 7, "Introduction"));
    }

    [Fact]
    public void Pdf_EveryCorpusHeading_BoundedAndFoundWhereItIsPlaced()
    {
        foreach (var name in TestCorpus.TextPdfNames())
        {
            var document = TestCorpus.ExtractPdf(name);
            var headings = document.Sections.SelectMany(section => section.Headings.Select(heading => (section, heading))).ToList();

            Assert.True(headings.Count > 0, $"{name}: no headings");
            Assert.InRange(headings.Count, 1, DocumentHeadings.MaxPerDocument);
            Assert.InRange(document.Title!.Length, 1, DocumentHeadings.MaxLength);
            foreach (var (section, heading) in headings)
            {
                Assert.InRange(heading.Text.Length, 1, DocumentHeadings.MaxLength);
                Assert.True(heading.Offset == 0 || section.Text[heading.Offset - 1] == '\n', $"{name} p{section.Page}: {heading} not at a line start");
                var from = Letters(section.Text[heading.Offset..Math.Min(section.Text.Length, heading.Offset + 300)]);

                // Outline entries not found on their page are placed at its start; all others must be there.
                Assert.True(heading.Offset == 0 || from.Contains(Letters(heading.Text), StringComparison.Ordinal), $"{name} p{section.Page}: {heading}");
            }

            Assert.All(document.Sections, section => Assert.Equal(section.Headings.OrderBy(h => h.Offset).Select(h => h.Offset), section.Headings.Select(h => h.Offset)));
        }
    }

    [Fact]
    public void Pdf_NoOutline_LinesSetLargerThanTheBody()
    {
        var lppl = TestCorpus.ExtractPdf("lppl-1.3c.pdf");

        var headings = lppl.Sections.SelectMany(section => section.Headings).Select(heading => heading.Text).ToList();
        Assert.Equal(
            ["Preamble", "Definitions", "Conditions on Distribution and Modification", "No Warranty", "Maintenance of The Work"],
            headings.Intersect(["Preamble", "Definitions", "Conditions on Distribution and Modification", "No Warranty", "Maintenance of The Work"]));
        Assert.DoesNotContain(headings, heading => heading.Contains("Copyright", StringComparison.Ordinal));
    }

    [Fact]
    public void Pdf_BuiltWithLargeFontLines_TitleAndHeadingsFromFontSizes()
    {
        var document = Extract(ReportPdf(title: "Microsoft Word - scan_0042.doc", bookmarks: null), "scan_0042.pdf");

        Assert.Equal("Harbour Tide Report", document.Title);
        Assert.Equal(["Harbour Tide Report", "Tide Tables"], document.Sections[0].Headings.Select(h => h.Text));
        Assert.Equal("Tide Tables", LineAt(document.Sections[0], "Tide Tables"));
        Assert.Equal(["Lamp Storage"], document.Sections[1].Headings.Select(h => h.Text));
    }

    [Fact]
    public void Pdf_EmptyOutline_FontSizesStillRead()
    {
        var document = Extract(ReportPdf(title: null, bookmarks: new Bookmarks([])), "report.pdf");

        Assert.Equal(["Harbour Tide Report", "Tide Tables", "Lamp Storage"], AllHeadings(document));
    }

    [Fact]
    public void Pdf_Outline_TakesPrecedenceOverFontSizes()
    {
        var outline = new Bookmarks(
        [
            Bookmark("Lamp Storage", page: 2),
            Bookmark("Appendix without a line of its own", page: 2),
        ]);

        var document = Extract(ReportPdf(title: "Harbour Records 2025", bookmarks: outline), "report.pdf");

        Assert.Equal("Harbour Records 2025", document.Title);
        Assert.Empty(document.Sections[0].Headings);
        Assert.Equal(["Lamp Storage"], document.Sections[1].Headings.Select(h => h.Text));
        Assert.Equal("Lamp Storage", LineAt(document.Sections[1], "Lamp Storage"));
    }

    [Fact]
    public void Pdf_HugeTitleAndThousandsOfBookmarks_Bounded()
    {
        var huge = string.Concat(Enumerable.Repeat("tide ", 20_000));
        var outline = new Bookmarks(
            [Bookmark(huge, page: 1), .. Enumerable.Range(0, 5_000).Select(i => Bookmark($"Entry {i} " + new string('x', 200), page: 1 + (i % 2)))]);

        var document = Extract(ReportPdf(title: huge, bookmarks: outline), "hostile.pdf");

        Assert.InRange(document.Title!.Length, DocumentHeadings.MaxLength - 5, DocumentHeadings.MaxLength);
        Assert.StartsWith("tide tide", document.Title);
        var headings = AllHeadings(document);
        Assert.InRange(headings.Count, 2, DocumentHeadings.MaxPerDocument);
        Assert.All(headings, heading => Assert.InRange(heading.Length, 1, DocumentHeadings.MaxLength));
    }

    [Fact]
    public void Markdown_Corpus_FirstHeadingIsTitleAndAllLevelsAreHeadings()
    {
        var document = ExtractFile(TestCorpus.MixedFile("reducing_variance.md"));

        Assert.Equal("Reducing Variance", document.Title);
        Assert.Equal(["Reducing Variance", "Disabling CPU Frequency Scaling", "Reducing Variance in Benchmarks"], AllHeadings(document));
        Assert.Equal("Disabling CPU Frequency Scaling", LineAt(document.Sections[0], "Disabling CPU Frequency Scaling"));
    }

    [Fact]
    public void Markdown_FrontMatterTitleAndSetextHeadings()
    {
        var document = ExtractText("notes.md", "---\ntitle: \"Lighthouse Log\"\n---\n\nKeeper's notes.\n\nLamps\n=====\n\nSpare lamps are in the cellar.\n\n#### Too deep\n\nText.\n\n## Tides\n\nHigh water at noon.\n");

        Assert.Equal("Lighthouse Log", document.Title);
        Assert.Equal(["Lamps", "Tides"], AllHeadings(document));
    }

    [Fact]
    public void Markdown_ThousandsOfHugeHeadings_Bounded()
    {
        var source = new StringBuilder();
        for (var i = 0; i < 5_000; i++)
        {
            source.Append("## Heading ").Append(i).Append(' ').Append('y', 300).Append("\n\nBody ").Append(i).Append(".\n\n");
        }

        var document = ExtractText("many.md", source.ToString());

        var headings = AllHeadings(document);
        Assert.Equal(DocumentHeadings.MaxPerDocument, headings.Count);
        Assert.All(headings, heading => Assert.InRange(heading.Length, 1, DocumentHeadings.MaxLength));
        Assert.StartsWith("Heading 1999 ", headings[^1]);
        Assert.Null(document.Title);
    }

    [Fact]
    public void Html_Corpus_TitleElementAndHeadings()
    {
        var libffi = ExtractFile(TestCorpus.MixedFile("libffi-closure-api.html"));
        var debian = ExtractFile(TestCorpus.MixedFile("users-and-groups.html"));

        Assert.Equal("The Closure API (libffi: the portable foreign function interface library)", libffi.Title);
        Assert.Equal(["2.5 The Closure API"], AllHeadings(libffi));
        Assert.Equal("Users and Groups in the Debian System", debian.Title);
        Assert.Contains("Chapter 1. Introduction", AllHeadings(debian));
        Assert.Equal("Chapter 2. Users and Groups", LineAt(debian.Sections[0], "Chapter 2. Users and Groups"));
    }

    [Fact]
    public void Html_NoTitleElement_FirstShownH1IsTitle()
    {
        var document = ExtractText(
            "page.html",
            "<html><body><h1 hidden>Menu</h1><h1>Tide <b>Tables</b></h1><p>High water.</p><h2 style=\"display:none\">Ads</h2>"
            + "<h4>Minor</h4><div><h3>Low water</h3><p>At six.</p></div></body></html>");

        Assert.Equal("Tide Tables", document.Title);
        Assert.Equal(["Tide Tables", "Low water"], AllHeadings(document));
    }

    [Fact]
    public void Html_NestedHeadings_EachReadWithinItsBound()
    {
        var nested = string.Concat(Enumerable.Repeat("<h2>deep ", 400)) + new string('z', 100_000) + string.Concat(Enumerable.Repeat("</h2>", 400));

        var document = ExtractText("nested.html", $"<html><body>{nested}</body></html>");

        Assert.All(AllHeadings(document), heading => Assert.InRange(heading.Length, 1, DocumentHeadings.MaxLength));
    }

    [Fact]
    public void Docx_Corpus_CorePropertiesTitleAndHeadingStyles()
    {
        var document = ExtractFile(TestCorpus.MixedFile("systemd-distro-porting.docx"));

        Assert.Equal("Porting systemd To New Distributions", document.Title);
        var headings = AllHeadings(document);
        // Its Title paragraph is repeated as a Heading1.
        Assert.Equal(
            ["Porting systemd To New Distributions", "HOWTO", "Compilation options", "NTP Pool", "DNS Servers", "PAM", "Contributing Upstream"],
            headings);
        Assert.Equal("NTP Pool", LineAt(document.Sections[0], "NTP Pool"));
    }

    [Fact]
    public void Docx_NoCoreTitle_TitleStyleParagraph()
    {
        using var buffer = new MemoryStream();
        using (var docx = WordprocessingDocument.Create(buffer, DocumentFormat.OpenXml.WordprocessingDocumentType.Document))
        {
            docx.AddMainDocumentPart().Document = new Document(new Body(
                Styled("Title", "Harbour Manual"),
                Styled("Heading1", "Tides"),
                new Paragraph(new Run(new Text("High water at noon."))),
                Styled("Heading4", "Minor"),
                Styled("heading2", "Lamps"),
                new Paragraph(new Run(new Text("Spare lamps in the cellar.")))));
        }

        var document = ExtractText("manual.docx", buffer.ToArray());

        Assert.Equal("Harbour Manual", document.Title);
        Assert.Equal(["Tides", "Lamps"], AllHeadings(document));
    }

    [Fact]
    public void PlainText_NoTitleNoHeadings()
    {
        var document = ExtractText("notes.txt", "Tide Tables\n\nHigh water at noon.\n");

        Assert.Null(document.Title);
        Assert.Empty(AllHeadings(document));
    }

    [Theory]
    [InlineData("  A   title\twith\nspaces ", "A title with spaces")]
    [InlineData("\u200B\u00AD", null)]
    [InlineData("---", null)]
    [InlineData("ﬁle", "file")]
    public void Clean_OneBoundedLine(string raw, string? expected) => Assert.Equal(expected, DocumentHeadings.Clean(raw));

    private static List<string> AllHeadings(ExtractedDocument document) =>
        [.. document.Sections.SelectMany(section => section.Headings).Select(heading => heading.Text)];

    // The line of the page's text where the heading is placed.
    private static string HeadingLine(ExtractedDocument document, int page, string heading)
    {
        var section = Assert.Single(document.Sections, s => s.Page == page);
        return LineAt(section, heading);
    }

    private static string LineAt(ExtractedSection section, string heading)
    {
        var placed = Assert.Single(section.Headings, h => h.Text == heading);
        return section.Text[placed.Offset..].Split('\n')[0];
    }

    private static string Letters(string text) => new([.. text.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant)]);

    private ExtractedDocument ExtractFile(string path)
    {
        using var stream = File.OpenRead(path);
        return _extractors.Extract(stream, Path.GetFileName(path));
    }

    private ExtractedDocument ExtractText(string name, string content) => ExtractText(name, Encoding.UTF8.GetBytes(content));

    private ExtractedDocument ExtractText(string name, byte[] content) => _extractors.Extract(new MemoryStream(content), name);

    private ExtractedDocument Extract(byte[] pdf, string name) => _extractors.Extract(new MemoryStream(pdf), name);

    private static Paragraph Styled(string style, string text) =>
        new(new ParagraphProperties(new ParagraphStyleId { Val = style }), new Run(new Text(text)));

    private static DocumentBookmarkNode Bookmark(string title, int page) =>
        new(title, 0, new ExplicitDestination(page, ExplicitDestinationType.FitPage, ExplicitDestinationCoordinates.Empty), []);

    // Two pages of 11 pt body text with a 22 pt title line and 15 pt headings.
    private static byte[] ReportPdf(string? title, Bookmarks? bookmarks)
    {
        var builder = new PdfDocumentBuilder();
        if (title is not null)
        {
            builder.DocumentInformation.Title = title;
        }

        if (bookmarks is not null)
        {
            builder.Bookmarks = bookmarks;
        }

        var font = builder.AddStandard14Font(Standard14Font.Helvetica);
        var first = builder.AddPage(PdfPageSize.A4);
        first.AddText("Harbour Tide Report", 22, new PdfPoint(72, 760), font);
        Body(first, 730, "The harbour master records the tides every day of the year.");
        first.AddText("Tide Tables", 15, new PdfPoint(72, 640), font);
        Body(first, 615, "High water comes at noon and low water at six in the evening.");
        var second = builder.AddPage(PdfPageSize.A4);
        Body(second, 760, "The tables continue from the previous page for the winter months.");
        second.AddText("Lamp Storage", 15, new PdfPoint(72, 680), font);
        Body(second, 655, "Spare lamps are kept in the cellar below the lighthouse keeper's office.");
        return builder.Build();

        void Body(PdfPageBuilder page, double top, string sentence)
        {
            for (var line = 0; line < 4; line++)
            {
                page.AddText($"{sentence} Line {line + 1}.", 11, new PdfPoint(72, top - (line * 14)), font);
            }
        }
    }
}
