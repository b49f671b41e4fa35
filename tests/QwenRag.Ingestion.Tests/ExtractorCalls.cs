using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

/// <summary>Extraction as most tests want it: the default limits, no time budget.</summary>
internal static class ExtractorCalls
{
    public static ExtractedDocument Extract(this IDocumentExtractor extractor, Stream content, string fileName) =>
        extractor.Extract(content, fileName, ExtractionLimits.Default, CancellationToken.None);
}
