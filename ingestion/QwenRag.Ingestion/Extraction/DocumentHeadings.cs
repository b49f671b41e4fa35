using System.Text;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// Titles and headings as the extractors report them: one line, at most <see cref="MaxLength"/> characters, at most
/// <see cref="MaxPerDocument"/> per document, each placed where its line starts in the text.
/// </summary>
public static class DocumentHeadings
{
    /// <summary>Characters a title or heading keeps (cut at a word boundary).</summary>
    public const int MaxLength = 100;

    /// <summary>Headings one document reports; later ones are ignored.</summary>
    public const int MaxPerDocument = 2_000;

    // Searches that found nothing before locating gives up: each one scans the rest of the text.
    private const int MaxMisses = 64;

    /// <summary>
    /// <paramref name="raw"/> on one line with single spaces, invisible characters dropped, cut to
    /// <see cref="MaxLength"/> characters at a word boundary; null when no letter or digit is left.
    /// </summary>
    public static string? Clean(string? raw)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }

        // Only the start can survive the cut: a hostile megabyte title costs no more than a short one.
        var head = raw.Length > 4 * MaxLength ? raw[..(4 * MaxLength)] : raw;
        var line = TextLayout.Normalize(head.Normalize(NormalizationForm.FormKC)).ReplaceLineEndings(" ").Replace("  ", " ", StringComparison.Ordinal);
        if (line.Length > MaxLength)
        {
            var cut = line.LastIndexOf(' ', MaxLength);
            line = line[..(cut > MaxLength / 2 ? cut : MaxLength)].TrimEnd();
        }

        return line.Any(char.IsLetterOrDigit) ? line : null;
    }

    /// <summary>
    /// Places each heading at the first line of <paramref name="text"/>, after the previous one, that it begins
    /// (its text exactly, as <see cref="TextLayout"/> lays it out); headings not found are left out.
    /// </summary>
    internal static IReadOnlyList<SectionHeading> Locate(string text, IEnumerable<string> headings)
    {
        var located = new List<SectionHeading>();
        var cursor = 0;
        var misses = 0;
        foreach (var raw in headings)
        {
            if (located.Count >= MaxPerDocument || misses >= MaxMisses)
            {
                break;
            }

            var laidOut = TextLayout.Normalize(raw.Length > 4 * MaxLength ? raw[..(4 * MaxLength)] : raw);
            if (Clean(laidOut) is not { } heading)
            {
                continue;
            }

            var at = LineStartingWith(text, laidOut, cursor);
            if (at < 0)
            {
                misses++;
                continue;
            }

            located.Add(new SectionHeading(at, heading));
            cursor = at + 1;
        }

        return located;
    }

    private static int LineStartingWith(string text, string line, int from)
    {
        for (var at = text.IndexOf(line, from, StringComparison.Ordinal); at >= 0; at = text.IndexOf(line, at + 1, StringComparison.Ordinal))
        {
            if (at == 0 || text[at - 1] == '\n')
            {
                return at;
            }
        }

        return -1;
    }
}
