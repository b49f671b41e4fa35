using System.IO.Compression;
using System.Text;
using System.Xml;
using DocumentFormat.OpenXml.Packaging;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// DOCX through the Open XML SDK: body paragraphs and table rows in document order. The zip directory is checked
/// before anything is inflated, and the body is read as a stream of XML (never loaded whole), counting what is
/// actually inflated, so a zip bomb stops at the first bound it reaches. The title is the core properties' title, else
/// the first paragraph in the Title style; paragraphs in the Heading1 to Heading3 styles are its headings.
/// </summary>
public sealed class DocxExtractor : IDocumentExtractor
{
    // Password-protected Office files are OLE compound files holding an "EncryptedPackage" stream.
    private static readonly byte[] CompoundFileSignature = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    private static readonly byte[] EncryptedPackageName = Encoding.Unicode.GetBytes("EncryptedPackage");

    // Small entries may compress as well as they like; the ratio only says "bomb" once there is bulk behind it.
    internal const long RatioCheckedFromBytes = 1024 * 1024;

    public IReadOnlyCollection<string> Extensions { get; } = [".docx"];

    public IReadOnlyCollection<string> ContentTypes { get; } =
        ["application/vnd.openxmlformats-officedocument.wordprocessingml.document"];

    public ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
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

        List<string> blocks;
        IReadOnlyList<(int Level, string Text)> headings;
        string? propertiesTitle;
        try
        {
            CheckDirectory(bytes, fileName, limits);
            using var stream = new MemoryStream(bytes, writable: false);
            using var document = WordprocessingDocument.Open(
                stream, isEditable: false, new OpenSettings { MaxCharactersInPart = limits.MaxUncompressedBytes });
            var part = document.MainDocumentPart ?? throw new InvalidDataException("the package has no Word document body");
            using var inflated = new InflationBound(
                part.GetStream(FileMode.Open, FileAccess.Read), part.Uri.OriginalString.TrimStart('/'), bytes.Length, fileName, limits);
            using var reader = XmlReader.Create(inflated, new XmlReaderSettings
            {
                DtdProcessing = DtdProcessing.Prohibit,
                XmlResolver = null,
                IgnoreComments = true,
                IgnoreProcessingInstructions = true,
            });
            var body = new DocxBodyReader(reader, fileName, limits, cancellationToken);
            blocks = body.ReadBlocks();
            headings = body.Headings;
            propertiesTitle = document.PackageProperties.Title;
        }
        catch (Exception ex) when (ex is not DocumentRejectedException and not OperationCanceledException and not OutOfMemoryException)
        {
            throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.Corrupt, $"the DOCX file is damaged or not a DOCX package ({ex.Message})", ex);
        }

        var text = TextLayout.JoinParagraphs(blocks);
        if (text.Length == 0)
        {
            throw DocumentBytes.NoText(fileName, "document");
        }

        var title = DocumentHeadings.Clean(propertiesTitle)
            ?? headings.Where(heading => heading.Level == 0).Select(heading => DocumentHeadings.Clean(heading.Text)).FirstOrDefault(t => t is not null);
        var located = DocumentHeadings.Locate(text, headings.Where(heading => heading.Level > 0).Select(heading => heading.Text));
        return new ExtractedDocument([new ExtractedSection(1, text) { Headings = located }], title);
    }

    // The central directory, read before any entry is inflated: what it declares must already be within bounds.
    private static void CheckDirectory(byte[] bytes, string fileName, ExtractionLimits limits)
    {
        using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
        if (zip.Entries.Count > limits.MaxArchiveEntries)
        {
            throw ExtractionLimits.Exceeded(
                fileName,
                $"the DOCX package holds {zip.Entries.Count:N0} files, more than the limit of {limits.MaxArchiveEntries:N0}",
                nameof(ExtractionLimits.MaxArchiveEntries));
        }

        var declared = 0L;
        foreach (var entry in zip.Entries)
        {
            if (entry.Length > RatioCheckedFromBytes && entry.Length > (long)limits.MaxCompressionRatio * Math.Max(entry.CompressedLength, 1))
            {
                throw CompressedTooWell(fileName, entry.FullName, entry.Length / Math.Max(entry.CompressedLength, 1), limits);
            }

            declared += entry.Length;
            if (declared > limits.MaxUncompressedBytes)
            {
                throw InflatesTooFar(fileName, limits);
            }
        }
    }

    internal static DocumentRejectedException InflatesTooFar(string fileName, ExtractionLimits limits) =>
        ExtractionLimits.Exceeded(
            fileName,
            $"the DOCX package inflates to more than {limits.MaxUncompressedBytes / (1024 * 1024):N0} MB",
            nameof(ExtractionLimits.MaxUncompressedBytes));

    internal static DocumentRejectedException CompressedTooWell(string fileName, string entry, long ratio, ExtractionLimits limits) =>
        ExtractionLimits.Exceeded(
            fileName,
            $"the DOCX package's {entry} inflates to at least {ratio:N0} times its compressed size, more than the limit of {limits.MaxCompressionRatio:N0} (a zip bomb)",
            nameof(ExtractionLimits.MaxCompressionRatio));
}
