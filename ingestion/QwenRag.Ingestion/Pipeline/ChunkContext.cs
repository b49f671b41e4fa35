using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// Chunks a document for embedding with its context: <c>"{file name}\n{title}\n{heading}\n{chunk text}"</c>, with
/// the parts <see cref="ChunkContextParts"/> asks for (empty parts left out, the heading left out when it is the
/// title), the title being the document's own or else its file name without extension. Title and heading are cut to whole words within <see cref="MaxTitleTokens"/> and
/// <see cref="MaxHeadingTokens"/> (a quarter of a small model's window between them), and chunks are cut that much
/// shorter than the model's window, so that what is embedded is never truncated by the model.
/// </summary>
public static class ChunkContext
{
    public const int MaxTitleTokens = 24;
    public const int MaxHeadingTokens = 24;

    /// <param name="modelMaxInputTokens">
    /// The embedding model's window, special tokens included (<c>EmbeddingModelInfo.MaxInputTokens</c>); null when
    /// unknown, which keeps the chunker's size.
    /// </param>
    public static IReadOnlyList<ContextualChunk> Chunk(
        Chunker chunker, ExtractedDocument document, string fileName, ChunkContextParts parts, int? modelMaxInputTokens = null)
    {
        ArgumentNullException.ThrowIfNull(chunker);
        ArgumentNullException.ThrowIfNull(document);
        if (parts == ChunkContextParts.Off)
        {
            var sized = modelMaxInputTokens is { } window ? chunker.WithMaxTokens(window) : chunker;
            return [.. sized.Chunk(document).Select(chunk => new ContextualChunk(chunk, chunk.Text))];
        }

        var budget = modelMaxInputTokens is { } max ? Math.Min(MaxTitleTokens + MaxHeadingTokens, max / 4) : MaxTitleTokens + MaxHeadingTokens;
        var titleCap = Math.Min(MaxTitleTokens, budget / 2);
        var headingCap = Math.Min(MaxHeadingTokens, budget - titleCap);
        var withHeading = parts.HasFlag(ChunkContextParts.Heading);
        var fileTitle = DocumentHeadings.Clean(Path.GetFileNameWithoutExtension(fileName));
        var (named, nameTokens) = parts.HasFlag(ChunkContextParts.FileName) ? Fit(chunker, fileTitle, titleCap) : (null, 0);
        var (titled, titleTokens) = parts.HasFlag(ChunkContextParts.Title)
            ? Fit(chunker, document.Title ?? (named is null ? fileTitle : null), titleCap)
            : (null, 0);
        var title = named is null ? titled
            : titled is null || string.Equals(named, titled, StringComparison.OrdinalIgnoreCase) ? named
            : named + "\n" + titled;
        titleTokens += nameTokens;

        // Each distinct heading fitted once; the longest decides how much room chunks leave.
        var headings = new Dictionary<string, string?>(StringComparer.Ordinal);
        var headingTokens = 0;
        foreach (var heading in document.Sections.SelectMany(section => withHeading ? section.Headings : []).Select(heading => heading.Text))
        {
            if (!headings.ContainsKey(heading))
            {
                var (fitted, tokens) = Fit(chunker, heading, headingCap);
                headings[heading] = fitted;
                headingTokens = Math.Max(headingTokens, tokens);
            }
        }

        var sizedChunker = modelMaxInputTokens is { } limit ? chunker.WithMaxTokens(limit - titleTokens - headingTokens) : chunker;
        return
        [
            .. sizedChunker.Chunk(document).Select(chunk => new ContextualChunk(
                chunk, Compose(title, chunk.Heading is null ? null : headings.GetValueOrDefault(chunk.Heading), chunk.Text))),
        ];
    }

    /// <summary>What is embedded for a chunk: title, heading (unless it is the title) and text, each on its own line.</summary>
    public static string Compose(string? title, string? heading, string text)
    {
        var parts = new List<string>(3);
        if (!string.IsNullOrWhiteSpace(title))
        {
            parts.Add(title);
        }

        if (!string.IsNullOrWhiteSpace(heading) && !string.Equals(heading, title, StringComparison.OrdinalIgnoreCase))
        {
            parts.Add(heading);
        }

        parts.Add(text);
        return string.Join('\n', parts);
    }

    // Whole words from the start, as many as fit in maxTokens word pieces.
    private static (string? Text, int Tokens) Fit(Chunker chunker, string? text, int maxTokens)
    {
        if (string.IsNullOrWhiteSpace(text) || maxTokens <= 0)
        {
            return (null, 0);
        }

        var tokens = chunker.CountTokens(text);
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var count = words.Length;
        while (tokens > maxTokens && count > 1)
        {
            count--;
            text = string.Join(' ', words, 0, count);
            tokens = chunker.CountTokens(text);
        }

        return tokens <= maxTokens ? (text, tokens) : (null, 0);
    }
}
