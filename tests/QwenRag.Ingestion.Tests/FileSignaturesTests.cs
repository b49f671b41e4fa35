using System.Text;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class FileSignaturesTests
{
    [Theory]
    [InlineData("latex-usrguide.pdf")]
    [InlineData("lppl-1.3c.pdf")]
    public void Verify_RealPdf_Passes(string name)
    {
        using var content = File.OpenRead(TestCorpus.Pdf(name));

        FileSignatures.Verify(new PdfExtractor(), name, content);
    }

    [Fact]
    public void Verify_RealDocx_Passes()
    {
        using var content = File.OpenRead(TestCorpus.MixedFile("systemd-distro-porting.docx"));

        FileSignatures.Verify(new DocxExtractor(), "systemd-distro-porting.docx", content);
    }

    [Fact]
    public void Verify_PdfHeaderAfterJunk_Passes()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('j', 900) + "%PDF-1.7\n");

        FileSignatures.Verify(new PdfExtractor(), "junk.pdf", bytes);
    }

    [Theory]
    [InlineData("just text, no header")]
    [InlineData("PK\u0003\u0004 a zip")]
    public void Verify_PdfWithoutHeader_Unsupported(string text)
    {
        var error = Assert.Throws<DocumentRejectedException>(
            () => FileSignatures.Verify(new PdfExtractor(), "fake.pdf", Encoding.ASCII.GetBytes(text)));

        Assert.Equal(DocumentRejectionReason.Unsupported, error.Reason);
        Assert.Contains("%PDF", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_PdfHeaderBeyond1024Bytes_Unsupported()
    {
        var bytes = Encoding.ASCII.GetBytes(new string('j', FileSignatures.HeadLength) + "%PDF-1.7\n");

        var error = Assert.Throws<DocumentRejectedException>(() => FileSignatures.Verify(new PdfExtractor(), "late.pdf", bytes));

        Assert.Equal(DocumentRejectionReason.Unsupported, error.Reason);
    }

    [Fact]
    public void Verify_DocxThatIsNotAZip_Unsupported()
    {
        var error = Assert.Throws<DocumentRejectedException>(
            () => FileSignatures.Verify(new DocxExtractor(), "fake.docx", Encoding.ASCII.GetBytes("<w:document/>")));

        Assert.Equal(DocumentRejectionReason.Unsupported, error.Reason);
    }

    [Fact]
    public void Verify_Empty_Empty()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => FileSignatures.Verify(new PlainTextExtractor(), "e.txt", []));

        Assert.Equal(DocumentRejectionReason.Empty, error.Reason);
    }

    [Fact]
    public void Verify_BinaryAsText_Unsupported()
    {
        byte[] elf = [0x7F, 0x45, 0x4C, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x3E, 0x00];

        Assert.Equal(
            DocumentRejectionReason.Unsupported,
            Assert.Throws<DocumentRejectedException>(() => FileSignatures.Verify(new MarkdownExtractor(), "x.md", elf)).Reason);
        Assert.Equal(
            DocumentRejectionReason.Unsupported,
            Assert.Throws<DocumentRejectedException>(() => FileSignatures.Verify(new HtmlExtractor(), "x.html", elf)).Reason);
    }

    [Theory]
    [InlineData("utf-16")] // with a mark
    [InlineData("utf-16BE")]
    [InlineData("utf-16-nomark")]
    [InlineData("utf-8")]
    public void Verify_Utf16AndUtf8Text_Passes(string encoding)
    {
        const string text = "# Title\n\nPlain ASCII-range text.";
        var bytes = encoding switch
        {
            "utf-16" => [.. Encoding.Unicode.GetPreamble(), .. Encoding.Unicode.GetBytes(text)],
            "utf-16BE" => [.. Encoding.BigEndianUnicode.GetPreamble(), .. Encoding.BigEndianUnicode.GetBytes(text)],
            "utf-16-nomark" => Encoding.Unicode.GetBytes(text),
            _ => Encoding.UTF8.GetBytes(text),
        };

        FileSignatures.Verify(new MarkdownExtractor(), "t.md", bytes);
    }
}
