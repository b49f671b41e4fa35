using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Tests;

namespace QwenRag.Tests;

/// <summary>What the extractor and chunker tests add to the shared <see cref="TestCorpus"/>: fixtures and cached extractions.</summary>
internal static partial class TestCorpus
{
    private static readonly ConcurrentDictionary<string, Lazy<ExtractedDocument>> ExtractedPdfs = new(StringComparer.Ordinal);

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "Fixtures", name);

    /// <summary>A corpus PDF extracted once per test run (extraction is deterministic and the result immutable).</summary>
    public static ExtractedDocument ExtractPdf(string name) =>
        ExtractedPdfs.GetOrAdd(name, key => new Lazy<ExtractedDocument>(() =>
        {
            using var stream = File.OpenRead(Pdf(key));
            return new PdfExtractor().Extract(stream, key);
        })).Value;

    /// <summary>Every corpus PDF that has a text layer (the OCR scan has none).</summary>
    public static IEnumerable<string> TextPdfNames() =>
        AllPdfs().Select(Path.GetFileName).Where(name => !name!.StartsWith("ocr-", StringComparison.Ordinal))!;

    public static IEnumerable<string> AllPdfs() => Directory.EnumerateFiles(Pdfs, "*.pdf").Order(StringComparer.Ordinal);

    public static IReadOnlyList<CorpusQuestion> PdfQuestions() => ReadQuestions(Path.Combine(Root, "questions.jsonl"));

    public static IReadOnlyList<CorpusQuestion> MixedQuestions() => ReadQuestions(Path.Combine(Mixed, "questions.jsonl"));

    /// <summary>Text compared loosely: compatibility forms folded, whitespace collapsed, case ignored.</summary>
    public static string Loose(string text) =>
        Whitespace().Replace(text.Normalize(NormalizationForm.FormKC), " ").Trim().ToLowerInvariant();

    private static IReadOnlyList<CorpusQuestion> ReadQuestions(string path) =>
        [.. File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select(line => JsonSerializer.Deserialize<CorpusQuestion>(line, JsonSerializerOptions.Web)!)];

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
