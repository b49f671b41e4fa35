using System.Text;
using System.Text.RegularExpressions;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// The text shape every extractor hands on: lines trimmed with single spaces inside, paragraphs separated by
/// exactly one blank line, no invisible characters.
/// </summary>
internal static partial class TextLayout
{
    public static string Normalize(string text)
    {
        var builder = new StringBuilder(text.Length);
        var pendingBreak = false;
        foreach (var rawLine in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = HorizontalSpace().Replace(Invisible().Replace(rawLine, ""), " ").Trim();
            if (line.Length == 0)
            {
                pendingBreak = builder.Length > 0;
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append(pendingBreak ? "\n\n" : "\n");
            }

            builder.Append(line);
            pendingBreak = false;
        }

        return builder.ToString();
    }

    /// <summary>Joins blocks (paragraphs, headings, table rows) with blank lines, dropping empty ones.</summary>
    public static string JoinParagraphs(IEnumerable<string> paragraphs) =>
        Normalize(string.Join("\n\n", paragraphs.Where(paragraph => !string.IsNullOrWhiteSpace(paragraph))));

    [GeneratedRegex(@"[\s-[\n]]+")]
    private static partial Regex HorizontalSpace();

    [GeneratedRegex("[\u00AD\u200B\u200C\u200D\u2060\uFEFF\0]")]
    private static partial Regex Invisible();
}
