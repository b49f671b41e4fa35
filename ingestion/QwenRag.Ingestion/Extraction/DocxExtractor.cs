using System.Text;
using DocumentFormat.OpenXml;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;

namespace QwenRag.Ingestion.Extraction;

/// <summary>DOCX through the Open XML SDK: body paragraphs and table rows in document order.</summary>
public sealed class DocxExtractor : IDocumentExtractor
{
    // Password-protected Office files are OLE compound files holding an "EncryptedPackage" stream.
    private static readonly byte[] CompoundFileSignature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] EncryptedPackageName = Encoding.Unicode.GetBytes("EncryptedPackage");

    public IReadOnlyCollection<string> Extensions { get; } = [".docx"];

    public IReadOnlyCollection<string> ContentTypes { get; } =
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"];

    public ExtractedDocument Extract(Stream content, string fileName)
    {
        var bytes = DocumentBytes.ReadAll(content, fileName);
        if (bytes.AsSpan().StartsWith(CompoundFileSignature))
        {
            throw bytes.AsSpan().IndexOf(EncryptedPackageName) >= 0
                ? new DocumentRejectedException(
                    fileName, DocumentRejectionReason.Encrypted, "the document is password-protected and cannot be read without its password")
                : new DocumentRejectedException(
                    fileName, DocumentRejectionReason.Corrupt, "the file is not a DOCX package (a legacy .doc file cannot be read)");
        }

        var blocks = new List<string>();
        try
        {
            using var stream = new MemoryStream(bytes, writable: false);
            using var document = WordprocessingDocument.Open(stream, isEditable: false);
            var body = document.MainDocumentPart?.Document?.Body
                ?? throw new InvalidDataException("the package has no Word document body");
            AddBlocks(body, blocks);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.Corrupt, $"the DOCX file is damaged or not a DOCX package ({ex.Message})", ex);
        }

        var text = TextLayout.JoinParagraphs(blocks);
        return text.Length > 0
            ? new ExtractedDocument([new ExtractedSection(1, text)])
            : throw DocumentBytes.NoText(fileName, "document");
    }

    private static void AddBlocks(OpenXmlElement container, List<string> blocks)
    {
        foreach (var element in container.ChildElements)
        {
            switch (element)
            {
                case Paragraph paragraph:
                    blocks.Add(ParagraphText(paragraph));
                    break;
                case Table table:
                    foreach (var row in table.Elements<TableRow>())
                    {
                        var cells = row.Elements<TableCell>()
                            .Select(cell => string.Join(" ", cell.Descendants<Paragraph>().Select(ParagraphText)).ReplaceLineEndings(" ").Trim());
                        blocks.Add(string.Join(" | ", cells));
                    }

                    break;
                case SdtBlock { SdtContentBlock: { } sdtContent }:
                    AddBlocks(sdtContent, blocks);
                    break;
            }
        }
    }

    private static string ParagraphText(Paragraph paragraph)
    {
        var builder = new StringBuilder();
        foreach (var element in paragraph.Descendants())
        {
            switch (element)
            {
                case Text text:
                    builder.Append(text.Text);
                    break;
                case TabChar or PositionalTab:
                    builder.Append('\t');
                    break;
                case Break or CarriageReturn:
                    builder.Append('\n');
                    break;
                case NoBreakHyphen:
                    builder.Append('-');
                    break;
            }
        }

        return builder.ToString();
    }
}
