namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// How much work one document may cause while its text is extracted (section <c>QwenRag:Ingestion:Extraction</c>).
/// A document over any bound is rejected with the bound named, so a hostile or broken file costs at most this much
/// and the next one is read. The defaults leave room for every real document we have seen, many times over.
/// </summary>
public sealed record ExtractionLimits
{
    public const string SectionName = "QwenRag:Ingestion:Extraction";

    public static ExtractionLimits Default { get; } = new();

    /// <summary>Characters of text a document may yield (about 6,000 pages of prose).</summary>
    public int MaxTextCharacters { get; init; } = 20_000_000;

    /// <summary>Pages a PDF may have.</summary>
    public int MaxPages { get; init; } = 5_000;

    /// <summary>How deep HTML elements, or the XML elements of a DOCX, may nest.</summary>
    public int MaxNestingDepth { get; init; } = 512;

    /// <summary>Elements an HTML page may have; the parsed page costs about 0.6 KB of memory per element.</summary>
    public int MaxHtmlElements { get; init; } = 500_000;

    /// <summary>XML elements the body of a DOCX may have (read as a stream, so they cost time, not memory).</summary>
    public int MaxDocxElements { get; init; } = 10_000_000;

    /// <summary>Entries a zip-based document (DOCX) may hold.</summary>
    public int MaxArchiveEntries { get; init; } = 10_000;

    /// <summary>Bytes a zip-based document may inflate to, as its directory declares and as actually read.</summary>
    public long MaxUncompressedBytes { get; init; } = 512L * 1024 * 1024;

    /// <summary>How many times its compressed size a large zip entry may inflate to (a zip bomb reaches 1,000).</summary>
    public int MaxCompressionRatio { get; init; } = 100;

    /// <summary>Wall-clock time extracting one document may take.</summary>
    public TimeSpan TimeBudget { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>The configuration key of a bound, for messages ("QwenRag:Ingestion:Extraction:MaxPages").</summary>
    public static string SettingName(string property) => $"{SectionName}:{property}";

    /// <summary>What is wrong with these bounds, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        Positive(MaxTextCharacters, nameof(MaxTextCharacters));
        Positive(MaxPages, nameof(MaxPages));
        Positive(MaxNestingDepth, nameof(MaxNestingDepth));
        Positive(MaxHtmlElements, nameof(MaxHtmlElements));
        Positive(MaxDocxElements, nameof(MaxDocxElements));
        Positive(MaxArchiveEntries, nameof(MaxArchiveEntries));
        Positive(MaxUncompressedBytes, nameof(MaxUncompressedBytes));
        Positive(MaxCompressionRatio, nameof(MaxCompressionRatio));
        if (TimeBudget <= TimeSpan.Zero || TimeBudget.TotalMilliseconds > int.MaxValue)
        {
            failures.Add($"{SettingName(nameof(TimeBudget))} must be a positive time span of at most 24 days (was {TimeBudget}).");
        }

        return failures;

        void Positive(long value, string property)
        {
            if (value <= 0)
            {
                failures.Add($"{SettingName(property)} must be greater than 0 (was {value}).");
            }
        }
    }

    /// <summary>A rejection naming the bound the document went over.</summary>
    internal static DocumentRejectedException Exceeded(string fileName, string problem, string property) =>
        new(fileName, DocumentRejectionReason.OverLimit, $"{problem} ({SettingName(property)})");
}
