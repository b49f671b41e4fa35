using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Tests;

/// <summary>
/// The shared corpus (shared/corpus, beside the repository clone) and the small fixtures committed here.
/// </summary>
internal static partial class TestCorpus
{
    private static readonly Lazy<string> CorpusRoot = new(FindCorpus);
    private static readonly ConcurrentDictionary<string, Lazy<ExtractedDocument>> ExtractedPdfs = new(StringComparer.Ordinal);

    public static string Root => CorpusRoot.Value;

    public static string Pdfs => Path.Combine(Root, "pdfs");

    public static string Mixed => Path.Combine(Root, "mixed");

    public static string Pdf(string name) => Path.Combine(Pdfs, name);

    public static string MixedFile(string name) => Path.Combine(Mixed, name);

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

    private static string FindCorpus()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var candidate = Path.Combine(directory.FullName, "shared", "corpus");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No shared/corpus folder above {AppContext.BaseDirectory}.");
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
