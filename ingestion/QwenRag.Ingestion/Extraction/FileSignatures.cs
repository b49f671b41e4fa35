namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// Cheap checks of a file's first bytes against the type its name claims, so that an upload can be refused at once
/// instead of failing its job later: empty files; a PDF without <c>%PDF</c> in its first 1024 bytes (the
/// specification tolerates leading junk that readers skip); a DOCX that does not start as a zip
/// (<c>PK\x03\x04</c>); text (Markdown, HTML, plain) that is evidently binary. Damage deeper in a file, or
/// encryption, is only found when the file is extracted.
/// </summary>
public static class FileSignatures
{
    /// <summary>How far into a file the checks look.</summary>
    public const int HeadLength = 1024;

    private static ReadOnlySpan<byte> PdfMagic => "%PDF"u8;

    private static ReadOnlySpan<byte> ZipLocalHeader => [0x50, 0x4B, 0x03, 0x04];

    /// <exception cref="DocumentRejectedException">
    /// <see cref="DocumentRejectionReason.Empty"/> for an empty file, <see cref="DocumentRejectionReason.Unsupported"/>
    /// for bytes that are not of the extractor's type.
    /// </exception>
    public static void Verify(IDocumentExtractor extractor, string fileName, Stream content)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        ArgumentNullException.ThrowIfNull(content);
        Span<byte> buffer = stackalloc byte[HeadLength];
        var length = content.ReadAtLeast(buffer, HeadLength, throwOnEndOfStream: false);
        Verify(extractor, fileName, buffer[..length]);
    }

    /// <inheritdoc cref="Verify(IDocumentExtractor, string, Stream)"/>
    public static void Verify(IDocumentExtractor extractor, string fileName, ReadOnlySpan<byte> head)
    {
        ArgumentNullException.ThrowIfNull(extractor);
        if (head.IsEmpty)
        {
            throw new DocumentRejectedException(fileName, DocumentRejectionReason.Empty, "the file is empty");
        }

        var problem = extractor switch
        {
            PdfExtractor when head[..Math.Min(head.Length, HeadLength)].IndexOf(PdfMagic) < 0 =>
                $"the file is not a PDF: it has no %PDF header in its first {HeadLength} bytes",
            DocxExtractor when !head.StartsWith(ZipLocalHeader) =>
                "the file is not a DOCX: a DOCX is a zip archive, and this does not start like one",
            MarkdownExtractor or HtmlExtractor or PlainTextExtractor when LooksBinary(head[..Math.Min(head.Length, HeadLength)]) =>
                "the file is not text: it has zero bytes in both even and odd positions, as binary files do",
            _ => null,
        };
        if (problem is not null)
        {
            throw new DocumentRejectedException(fileName, DocumentRejectionReason.Unsupported, problem);
        }
    }

    // Text has no zero bytes, except UTF-16 (marked or not: ASCII-range UTF-16 has zeros in every other byte) and
    // UTF-32 (which the text decoder reads only with its mark). Binary formats have zeros anywhere.
    private static bool LooksBinary(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]) || head.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            return false;
        }

        bool evenZero = false, oddZero = false;
        for (var i = 0; i < head.Length; i++)
        {
            if (head[i] == 0)
            {
                evenZero |= i % 2 == 0;
                oddZero |= i % 2 == 1;
            }
        }

        return evenZero && oddZero;
    }
}
