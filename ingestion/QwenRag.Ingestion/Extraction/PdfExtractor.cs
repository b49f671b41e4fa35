using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;
using UglyToad.PdfPig.DocumentLayoutAnalysis.WordExtractor;
using UglyToad.PdfPig.Exceptions;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// PDF through PdfPig: one section per page, in content-stream order, numbered by physical page. The title is the
/// document information's (when meaningful), else the largest line of page 1; headings come from the outline, or
/// where there is none, from the lines set clearly larger than each page's body text.
/// </summary>
public sealed class PdfExtractor : IDocumentExtractor
{
    private static readonly ContentOrderTextExtractor.Options LayoutOptions = new()
    {
        SeparateParagraphsWithDoubleNewline = true,
        ReplaceWhitespaceWithSpace = true,
    };

    public IReadOnlyCollection<string> Extensions { get; } = [".pdf"];

    public IReadOnlyCollection<string> ContentTypes { get; } = ["application/pdf"];

    public ExtractedDocument Extract(Stream content, string fileName, ExtractionLimits limits, CancellationToken cancellationToken)
    {
        var bytes = DocumentBytes.ReadAll(content, fileName);
        var sections = new List<ExtractedSection>();
        string? documentTitle;
        try
        {
            using var document = PdfDocument.Open(bytes);
            if (document.NumberOfPages > limits.MaxPages)
            {
                throw ExtractionLimits.Exceeded(
                    fileName,
                    $"the PDF has {document.NumberOfPages:N0} pages, more than the limit of {limits.MaxPages:N0}",
                    nameof(ExtractionLimits.MaxPages));
            }

            var outline = PdfHeadings.Outline(document);
            var title = PdfHeadings.InformationTitle(document);
            var headingCount = 0;
            var characters = 0L;
            for (var number = 1; number <= document.NumberOfPages; number++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var page = document.GetPage(number);
                var raw = ContentOrderTextExtractor.GetText(page, LayoutOptions);
                if (characters + raw.Length > 2L * limits.MaxTextCharacters)
                {
                    // Checked before the cleaning regexes run over it; cleaning does not halve a page's text.
                    throw DocumentBytes.TextTooLong(fileName, limits);
                }

                if (GluedWords.HasCandidates(raw))
                {
                    raw = GluedWords.Split(raw, [.. page.GetWords(NearestNeighbourWordExtractor.Instance).Select(word => word.Text)]);
                }

                var text = PdfPageText.Clean(raw);
                characters += text.Length;
                if (characters > limits.MaxTextCharacters)
                {
                    throw DocumentBytes.TextTooLong(fileName, limits);
                }

                if (text.Length == 0)
                {
                    continue;
                }

                IReadOnlyList<SectionHeading> headings = [];
                if (outline is null || (number == 1 && title is null))
                {
                    var lines = PdfHeadings.LargeLines(page);
                    if (number == 1 && title is null && lines.Count > 0)
                    {
                        title = lines.MaxBy(line => line.Size).Text;
                    }

                    if (outline is null)
                    {
                        headings = PdfHeadings.Locate(text, lines.Select(line => line.Text), missingAtStart: false);
                    }
                }

                if (outline is not null && outline.TryGetValue(number, out var entries))
                {
                    headings = PdfHeadings.Locate(text, entries, missingAtStart: true);
                }

                headings = [.. headings.Take(DocumentHeadings.MaxPerDocument - headingCount)];
                headingCount += headings.Count;
                sections.Add(new ExtractedSection(number, text) { Headings = headings });
            }

            documentTitle = title;
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.Encrypted, "the PDF is encrypted and cannot be read without its password", ex);
        }
        catch (Exception ex) when (ex is not DocumentRejectedException and not OperationCanceledException and not OutOfMemoryException)
        {
            throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.Corrupt, $"the PDF is damaged or not a PDF ({ex.Message})", ex);
        }

        return sections.Count > 0
            ? new ExtractedDocument(sections, documentTitle)
            : throw new DocumentRejectedException(
                fileName, DocumentRejectionReason.NoText, "the PDF contains no text layer (scanned pages need OCR, which is not supported)");
    }
}
