using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class PdfExtractorTests
{
    private readonly PdfExtractor _extractor = new();

    // q16: "proj lim" is typeset with a math thin space, narrower than PdfPig's word-gap threshold, so the
    // page reads "projlim"; lowering the threshold would split kerned words everywhere else.
    private static readonly HashSet<string> KnownUnmatched = ["q16"];

    public static TheoryData<string> PdfQuestionIds() =>
        [.. TestCorpus.PdfQuestions().Select(question => question.Id).Where(id => !KnownUnmatched.Contains(id))];

    [Theory]
    [MemberData(nameof(PdfQuestionIds))]
    public void Extract_CorpusQuestion_AnswerOnStatedPage(string id)
    {
        var question = TestCorpus.PdfQuestions().Single(q => q.Id == id);

        var document = TestCorpus.ExtractPdf(question.Document);

        var page = Assert.Single(document.Sections, section => section.Page == question.Page);
        Assert.Contains(TestCorpus.Loose(question.Answer), TestCorpus.Loose(page.Text));
    }

    [Fact]
    public void Extract_MathThinSpace_ReadAsOneWord()
    {
        var page = Page(TestCorpus.ExtractPdf("amsldoc.pdf"), 24);

        Assert.Contains(@"\projlim projlim", page);
    }

    [Fact]
    public void Extract_Yarn_OneSectionPerPhysicalPage()
    {
        var document = TestCorpus.ExtractPdf("yarn.pdf");

        Assert.Equal(Enumerable.Range(1, 18), document.Sections.Select(section => section.Page));
        Assert.Contains("good values for α and β are α = 1 and β = 32", document.Sections[5].Text.ReplaceLineEndings(" "));
    }

    [Fact]
    public void Extract_LinesOfAParagraph_WordsNotGlued()
    {
        var page = TestCorpus.ExtractPdf("yarn.pdf").Sections[5].Text;

        Assert.Contains("we choose not\nto interpolate", page);
        Assert.DoesNotContain("notto", page);
    }

    [Fact]
    public void Extract_JustifiedLineWithoutSpaceGlyphs_SplitIntoWords()
    {
        var document = TestCorpus.ExtractPdf("yarn.pdf");

        Assert.Contains("We introduce a new base", document.Sections[13].Text);
        // Content-order extraction leaves 7 such lines in this paper; the one on page 5 has no gaps between its
        // glyphs at all, so no word extractor can split it.
        var glued = document.Sections
            .SelectMany(section => section.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
            .Count(token => token.Length >= 25 && token.All(char.IsLetter));
        Assert.True(glued <= 1, $"{glued} tokens of 25+ letters suggest glued words");
    }

    [Fact]
    public void Extract_HyphenatedLineEnd_WordRejoined()
    {
        var amsldoc = TestCorpus.ExtractPdf("amsldoc.pdf");
        var csquotes = TestCorpus.ExtractPdf("csquotes-DE.pdf");

        Assert.Contains("outside a display environment as it will", Page(amsldoc, 8).ReplaceLineEndings(" "));
        Assert.Contains("Das ist immer dann hilfreich", Page(csquotes, 3).ReplaceLineEndings(" "));
        // A capitalised continuation is a compound and keeps its hyphen.
        Assert.Contains("babel-\nPaket", Page(csquotes, 3));
    }

    [Fact]
    public void Extract_Ligatures_FoldedToLetters()
    {
        var page = Page(TestCorpus.ExtractPdf("csquotes-DE.pdf"), 3);

        Assert.Contains("Modifizierens", page);
        foreach (var name in TestCorpus.TextPdfNames())
        {
            var text = TestCorpus.ExtractPdf(name).FullText;
            Assert.True(text.IndexOfAny(['ﬀ', 'ﬁ', 'ﬂ', 'ﬃ', 'ﬄ', 'ﬅ', 'ﬆ']) < 0, $"{name} kept a ligature");
        }
    }

    [Fact]
    public void Extract_TexSpacingAccent_ComposedWithLetter()
    {
        var page = Page(TestCorpus.ExtractPdf("latex-classes.pdf"), 41);

        Assert.Contains("same rôle for footnotes", page);
    }

    [Fact]
    public void Extract_HeadingAfterLargerGap_SeparatedByBlankLine()
    {
        var page = Page(TestCorpus.ExtractPdf("amsldoc.pdf"), 8);

        Assert.Contains("\n\n3.2 Single equations\n\n", page);
    }

    [Fact]
    public void Extract_CorpusPdfs_WhitespaceNormalised()
    {
        foreach (var name in TestCorpus.TextPdfNames())
        {
            foreach (var section in TestCorpus.ExtractPdf(name).Sections)
            {
                Assert.DoesNotContain("  ", section.Text);
                Assert.DoesNotContain("\n\n\n", section.Text);
                Assert.DoesNotContain(" \n", section.Text);
                Assert.DoesNotContain('\r', section.Text);
                Assert.Equal(section.Text.Trim(), section.Text);
            }
        }
    }

    [Fact]
    public void Extract_ScannedPdfWithoutTextLayer_RejectedAsNoText()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => ExtractFile(TestCorpus.Pdf("ocr-wikipedia-scan-epson.pdf")));

        Assert.Equal(DocumentRejectionReason.NoText, error.Reason);
        Assert.StartsWith("ocr-wikipedia-scan-epson.pdf: ", error.Message);
    }

    [Fact]
    public void Extract_ImageOnlyPdf_RejectedAsNoText()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => ExtractFile(TestCorpus.Fixture("image-only.pdf")));

        Assert.Equal(DocumentRejectionReason.NoText, error.Reason);
    }

    [Fact]
    public void Extract_EncryptedPdf_RejectedAsEncrypted()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => ExtractFile(TestCorpus.Fixture("encrypted.pdf")));

        Assert.Equal(DocumentRejectionReason.Encrypted, error.Reason);
        Assert.Equal("encrypted.pdf: the PDF is encrypted and cannot be read without its password", error.Message);
    }

    [Fact]
    public void Extract_EmptyFile_RejectedAsEmpty()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(), "empty.pdf"));

        Assert.Equal(DocumentRejectionReason.Empty, error.Reason);
        Assert.Equal("empty.pdf: the file is empty", error.Message);
    }

    [Fact]
    public void Extract_RandomBytes_RejectedAsCorrupt()
    {
        var bytes = new byte[4096];
        new Random(42).NextBytes(bytes);

        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(bytes), "noise.pdf"));

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
        Assert.NotNull(error.InnerException);
    }

    [Fact]
    public void Extract_TruncatedPdf_RejectedAsCorrupt()
    {
        var bytes = File.ReadAllBytes(TestCorpus.Pdf("lppl-1.3c.pdf"));

        var error = Assert.Throws<DocumentRejectedException>(
            () => _extractor.Extract(new MemoryStream(bytes[..(bytes.Length / 3)]), "lppl-1.3c.pdf"));

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
    }

    private static string Page(ExtractedDocument document, int page) =>
        Assert.Single(document.Sections, section => section.Page == page).Text;

    private ExtractedDocument ExtractFile(string path)
    {
        using var stream = File.OpenRead(path);
        return _extractor.Extract(stream, Path.GetFileName(path));
    }
}
