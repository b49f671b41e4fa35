using System.IO.Compression;
using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

public sealed class DocxExtractorTests
{
    private readonly DocxExtractor _extractor = new();

    [Fact]
    public void Extract_CorpusDocument_ParagraphsInOrder()
    {
        using var stream = File.OpenRead(TestCorpus.MixedFile("systemd-distro-porting.docx"));

        var text = Assert.Single(_extractor.Extract(stream, "systemd-distro-porting.docx").Sections).Text;

        var howTo = text.IndexOf("HOWTO", StringComparison.Ordinal);
        var ntp = text.IndexOf("time[1-4].google.com", StringComparison.Ordinal);
        Assert.True(howTo >= 0 && ntp > howTo, "paragraphs out of order");
        Assert.Contains("\n\n", text);
    }

    [Fact]
    public void Extract_TableBetweenParagraphs_RowsInBodyOrder()
    {
        var bytes = CreateDocx(
            new Paragraph(new Run(new Text("Before the table."))),
            new Table(
                Row("Name", "Value"),
                Row("alpha", "1")),
            new Paragraph(
                new Run(new Text("After") { Space = SpaceProcessingModeValues.Preserve }),
                new Run(new TabChar()),
                new Run(new Text("the table."))));

        var text = Assert.Single(_extractor.Extract(new MemoryStream(bytes), "table.docx").Sections).Text;

        Assert.Equal("Before the table.\n\nName | Value\n\nalpha | 1\n\nAfter the table.", text);
    }

    [Fact]
    public void Extract_RandomBytes_RejectedAsCorrupt()
    {
        var bytes = new byte[2048];
        new Random(7).NextBytes(bytes);

        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(bytes), "noise.docx"));

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
    }

    [Fact]
    public void Extract_TruncatedPackage_RejectedAsCorrupt()
    {
        var bytes = File.ReadAllBytes(TestCorpus.MixedFile("systemd-distro-porting.docx"));

        var error = Assert.Throws<DocumentRejectedException>(
            () => _extractor.Extract(new MemoryStream(bytes[..(bytes.Length / 2)]), "half.docx"));

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
        Assert.StartsWith("half.docx: the DOCX file is damaged", error.Message);
    }

    [Fact]
    public void Extract_ZipWithoutWordDocument_RejectedAsCorrupt()
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            using var entry = new StreamWriter(zip.CreateEntry("readme.txt").Open(), Encoding.UTF8);
            entry.Write("not a word document");
        }

        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(buffer.ToArray()), "plain.docx"));

        Assert.Equal(DocumentRejectionReason.Corrupt, error.Reason);
    }

    [Fact]
    public void Extract_EmptyFile_RejectedAsEmpty()
    {
        var error = Assert.Throws<DocumentRejectedException>(() => _extractor.Extract(new MemoryStream(), "empty.docx"));

        Assert.Equal(DocumentRejectionReason.Empty, error.Reason);
    }

    private static TableRow Row(params string[] cells) =>
        new([.. cells.Select(cell => new TableCell(new Paragraph(new Run(new Text(cell)))))]);

    private static byte[] CreateDocx(params OpenXmlElement[] blocks)
    {
        using var buffer = new MemoryStream();
        using (var document = WordprocessingDocument.Create(buffer, WordprocessingDocumentType.Document))
        {
            document.AddMainDocumentPart().Document = new Document(new Body(blocks));
        }

        return buffer.ToArray();
    }
}
