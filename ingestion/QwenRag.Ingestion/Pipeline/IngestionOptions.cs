using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>How documents are taken in (section <c>QwenRag:Ingestion</c>).</summary>
public sealed record IngestionOptions
{
    public const string SectionName = "QwenRag:Ingestion";

    /// <summary>Files larger than this are refused before anything is read into the indexes.</summary>
    public long MaxFileBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>Chunks embedded and written per step; also the granularity of progress reports.</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>
    /// What each chunk is embedded with besides its text: any of its document's file name, its title and the heading
    /// it is under, or nothing (see <see cref="ChunkContext"/>); the stored, searched-by-keyword and cited text stays the chunk's own.
    /// Takes effect for documents indexed afterwards (<c>reindex</c> redoes a set). The default, the file name, measured
    /// best on the shared corpus (see README, <i>Context in chunks</i>).
    /// </summary>
    public ChunkContextParts EmbedContext { get; init; } = ChunkContextParts.FileName;

    /// <summary>The work extracting one document may cause.</summary>
    public ExtractionLimits Extraction { get; init; } = new();

    /// <summary>What is wrong with these options, one sentence each; empty when they are usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var failures = new List<string>();
        if (MaxFileBytes <= 0)
        {
            failures.Add($"{SectionName}:{nameof(MaxFileBytes)} must be greater than 0 (was {MaxFileBytes}).");
        }

        if (BatchSize <= 0)
        {
            failures.Add($"{SectionName}:{nameof(BatchSize)} must be greater than 0 (was {BatchSize}).");
        }

        if ((EmbedContext & ~(ChunkContextParts.Title | ChunkContextParts.Heading | ChunkContextParts.FileName)) != 0)
        {
            failures.Add($"{SectionName}:{nameof(EmbedContext)} must be Off or a list of FileName, Title, Heading (was {EmbedContext}).");
        }

        if (Extraction is null)
        {
            failures.Add($"{ExtractionLimits.SectionName} is missing.");
        }
        else
        {
            failures.AddRange(Extraction.Validate());
        }

        return failures;
    }

    /// <exception cref="ArgumentException">Some option is out of range; the message lists each.</exception>
    public IngestionOptions ThrowIfInvalid()
    {
        var failures = Validate();
        return failures.Count == 0
            ? this
            : throw new ArgumentException("Invalid ingestion options: " + string.Join(" ", failures));
    }
}
