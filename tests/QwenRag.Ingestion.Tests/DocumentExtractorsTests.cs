using System.Text;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class DocumentExtractorsTests
{
    private readonly DocumentExtractors _extractors = DocumentExtractors.CreateDefault();

    [Theory]
    [InlineData("paper.PDF", typeof(PdfExtractor))]
    [InlineData("notes.Md", typeof(MarkdownExtractor))]
    [InlineData("page.htm", typeof(HtmlExtractor))]
    [InlineData("page.HTML", typeof(HtmlExtractor))]
    [InlineData("readme.txt", typeof(PlainTextExtractor))]
    [InlineData("report.docx", typeof(DocxExtractor))]
    public void Resolve_KnownExtension_ExtractorForFormat(string fileName, Type expected)
    {
        Assert.IsType(expected, _extractors.Resolve(fileName));
    }

    [Theory]
    [InlineData("application/pdf", typeof(PdfExtractor))]
    [InlineData("text/html; charset=utf-8", typeof(HtmlExtractor))]
    [InlineData("TEXT/PLAIN", typeof(PlainTextExtractor))]
    [InlineData("text/markdown", typeof(MarkdownExtractor))]
    [InlineData("application/vnd.openxmlformats-officedocument.wordprocessingml.document", typeof(DocxExtractor))]
    public void Resolve_NoExtensionButContentType_ExtractorForContentType(string contentType, Type expected)
    {
        Assert.IsType(expected, _extractors.Resolve("upload", contentType));
    }

    [Fact]
    public void Resolve_UnsupportedExtension_ThrowsListingSupportedTypes()
    {
        var error = Assert.Throws<UnsupportedDocumentException>(() => _extractors.Resolve("slides.pptx", "application/octet-stream"));

        Assert.Equal(DocumentRejectionReason.Unsupported, error.Reason);
        Assert.Equal(
            "slides.pptx: unsupported document type (application/octet-stream); supported types are "
            + ".docx, .htm, .html, .markdown, .md, .pdf, .text, .txt, .xhtml",
            error.Message);
        Assert.IsAssignableFrom<DocumentRejectedException>(error);
    }

    [Fact]
    public void TryResolve_NoExtensionNoContentType_False()
    {
        Assert.False(_extractors.TryResolve("README", null, out _));
    }

    [Fact]
    public void Extract_ByExtension_UsesMatchingExtractor()
    {
        var document = _extractors.Extract(new MemoryStream(Encoding.UTF8.GetBytes("# Title\n\nBody.")), "x.md");

        Assert.Equal("Title\n\nBody.", Assert.Single(document.Sections).Text);
    }
}
