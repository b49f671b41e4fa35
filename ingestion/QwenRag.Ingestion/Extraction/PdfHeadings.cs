using System.Text;
using System.Text.RegularExpressions;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Content;
using UglyToad.PdfPig.Outline;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// What a PDF says about its own structure: a meaningful document-information title, its outline (bookmarks) by
/// page, and lines set clearly larger than a page's body text. Every part is bounded: outline nodes read, lines and
/// letters looked at per page, the length of what is kept.
/// </summary>
internal static partial class PdfHeadings
{
    // Letters this much larger than the page's median letter are headings (a 12 pt \subsection over 10 pt text).
    private const double LargerThanBody = 1.15;
    private const int MaxLinesPerPage = 12;
    private const int MaxLargeLettersPerPage = 4_000;
    private const int MaxLineWords = 16;
    private const int MaxMergedLines = 3;
    private const int MaxOutlineNodes = 10_000;
    private const int MaxOutlineLevels = 3;
    private const int MaxPrefixBeforeHeading = 16;

    /// <summary>The document information's title unless it is empty or a placeholder ("Microsoft Word - x.doc", "untitled").</summary>
    public static string? InformationTitle(PdfDocument document)
    {
        string? raw;
        try
        {
            raw = document.Information.Title;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null;
        }

        var title = DocumentHeadings.Clean(raw);
        return title is null || Placeholder().IsMatch(title) || FileNameLike().IsMatch(title) || title.Count(char.IsLetter) < 2
            ? null
            : title;
    }

    /// <summary>Outline titles (levels 1 to 3) by page number, in outline order; null when the PDF has no usable outline.</summary>
    public static Dictionary<int, List<string>>? Outline(PdfDocument document)
    {
        Bookmarks? bookmarks;
        try
        {
            if (!document.TryGetBookmarks(out bookmarks) || bookmarks is null)
            {
                return null;
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return null; // a damaged outline costs the headings, not the document
        }

        var byPage = new Dictionary<int, List<string>>();
        var pending = new Stack<(BookmarkNode Node, int Depth)>();
        foreach (var root in bookmarks.Roots.Reverse())
        {
            pending.Push((root, 0));
        }

        var visited = 0;
        var kept = 0;
        while (pending.TryPop(out var item) && ++visited <= MaxOutlineNodes && kept < DocumentHeadings.MaxPerDocument)
        {
            if (item.Node is DocumentBookmarkNode { PageNumber: > 0 } entry
                && DocumentHeadings.Clean(entry.Title) is { } title)
            {
                if (!byPage.TryGetValue(entry.PageNumber, out var titles))
                {
                    byPage[entry.PageNumber] = titles = [];
                }

                titles.Add(title);
                kept++;
            }

            if (item.Depth + 1 < MaxOutlineLevels)
            {
                for (var i = item.Node.Children.Count - 1; i >= 0; i--)
                {
                    pending.Push((item.Node.Children[i], item.Depth + 1));
                }
            }
        }

        return byPage.Count > 0 ? byPage : null;
    }

    /// <summary>
    /// Short lines (at most <see cref="MaxLineWords"/> words; up to <see cref="MaxMergedLines"/> lines of one size
    /// joined) set clearly larger than the page's median letter, top to bottom, with their size in points.
    /// </summary>
    public static IReadOnlyList<(string Text, double Size)> LargeLines(Page page)
    {
        var letters = page.Letters;
        var sizes = new Dictionary<int, int>();
        foreach (var letter in letters)
        {
            if (IsReadable(letter))
            {
                var bucket = (int)Math.Round(letter.PointSize * 4);
                sizes[bucket] = sizes.GetValueOrDefault(bucket) + 1;
            }
        }

        if (sizes.Count < 2)
        {
            return [];
        }

        var threshold = MedianBucket(sizes) / 4.0 * LargerThanBody;
        var large = new List<Letter>();
        for (var i = 0; i < letters.Count; i++)
        {
            // A smaller letter between two large ones belongs to their word (the raised A of the LaTeX logo).
            var letter = letters[i];
            if (IsLarge(letter, threshold)
                || (i > 0 && i + 1 < letters.Count && IsLarge(letters[i - 1], threshold) && IsLarge(letters[i + 1], threshold)
                    && letter.TextOrientation == TextOrientation.Horizontal && !string.IsNullOrWhiteSpace(letter.Value)
                    && Math.Abs(letter.StartBaseLine.Y - letters[i - 1].StartBaseLine.Y) < letters[i - 1].PointSize))
            {
                if (large.Count == MaxLargeLettersPerPage)
                {
                    return []; // a page set large throughout has no headings to tell apart
                }

                large.Add(letter);
            }
        }

        var lines = Lines(large);
        var merged = new List<(string Text, double Size)>();
        for (var i = 0; i < lines.Count && merged.Count < MaxLinesPerPage; i++)
        {
            var (text, size, y) = lines[i];
            var joined = 1;
            while (i + 1 < lines.Count && joined < MaxMergedLines
                && Math.Abs(lines[i + 1].Size - size) <= 0.1 * size && y - lines[i + 1].Y <= 1.8 * size && y > lines[i + 1].Y)
            {
                i++;
                joined++;
                text += " " + lines[i].Text;
                y = lines[i].Y;
            }

            if (text.Count(char.IsLetter) >= 2 && text.Split(' ').Length <= MaxLineWords && DocumentHeadings.Clean(text) is { } clean)
            {
                merged.Add((clean, size));
            }
        }

        return merged;
    }

    /// <summary>
    /// Places headings on a page: each at the first line of <paramref name="text"/> that begins with it (letters and
    /// digits compared, case ignored; a section number before it allowed). One not found goes to the page's start when
    /// <paramref name="missingAtStart"/> and no earlier heading of the page was found, else it is left out.
    /// </summary>
    public static List<SectionHeading> Locate(string text, IEnumerable<string> headings, bool missingAtStart)
    {
        var cased = new StringBuilder(text.Length);
        var map = new List<int>(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            if (char.IsLetterOrDigit(text[i]))
            {
                cased.Append(text[i]);
                map.Add(i);
            }
        }

        var looseCased = cased.ToString();
        var looseLower = looseCased.ToLowerInvariant();
        var located = new List<SectionHeading>();
        foreach (var heading in headings)
        {
            // Case first: a running head in capitals ("3.1. INTRODUCTION") is not the heading's own line.
            var key = new string([.. heading.Where(char.IsLetterOrDigit)]);
            var at = key.Length == 0 ? -1 : LineStart(text, looseCased, map, key);
            at = at >= 0 || key.Length == 0 ? at : LineStart(text, looseLower, map, key.ToLowerInvariant());
            if (at >= 0)
            {
                located.Add(new SectionHeading(at, heading));
            }
            else if (missingAtStart && located.Count == 0)
            {
                located.Add(new SectionHeading(0, heading));
            }
        }

        // Text order, one heading per line (the later one in the list wins: an outline's deeper entry).
        return [.. located.OrderBy(h => h.Offset).GroupBy(h => h.Offset).Select(group => group.Last())];
    }

    // Where a line begins with the key: after at most a section number, and ending where a word ends.
    private static int LineStart(string text, string loose, List<int> map, string key)
    {
        for (var found = loose.IndexOf(key, StringComparison.Ordinal); found >= 0; found = loose.IndexOf(key, found + 1, StringComparison.Ordinal))
        {
            var position = map[found];
            var last = map[found + key.Length - 1];
            if (last + 1 < text.Length && char.IsLetterOrDigit(text[last + 1]))
            {
                continue;
            }

            var lineStart = position == 0 ? 0 : text.LastIndexOf('\n', position - 1) + 1;
            var prefix = text.AsSpan(lineStart, position - lineStart);
            if (prefix.Length == 0
                || (prefix.Length <= MaxPrefixBeforeHeading && !char.IsLetter(prefix[^1]) && (prefix.ContainsAny("0123456789") || !HasLetter(prefix))))
            {
                return lineStart;
            }
        }

        return -1;
    }

    private static bool HasLetter(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (char.IsLetter(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsLarge(Letter letter, double threshold) =>
        letter.TextOrientation == TextOrientation.Horizontal && !string.IsNullOrWhiteSpace(letter.Value)
        && letter.PointSize >= threshold && letter.PointSize > 0;

    private static bool IsReadable(Letter letter) =>
        letter.TextOrientation == TextOrientation.Horizontal && letter.Value.Length > 0 && char.IsLetterOrDigit(letter.Value, 0);

    private static int MedianBucket(Dictionary<int, int> sizes)
    {
        var half = sizes.Values.Sum() / 2;
        var seen = 0;
        foreach (var (bucket, count) in sizes.OrderBy(pair => pair.Key))
        {
            seen += count;
            if (seen > half)
            {
                return bucket;
            }
        }

        return sizes.Keys.Max();
    }

    // Letters grouped by baseline, top to bottom, left to right; a wide gap (another column) starts a new line.
    private static List<(string Text, double Size, double Y)> Lines(List<Letter> letters)
    {
        letters.Sort((a, b) => b.StartBaseLine.Y.CompareTo(a.StartBaseLine.Y));
        var lines = new List<(string Text, double Size, double Y)>();
        var start = 0;
        while (start < letters.Count)
        {
            var y = letters[start].StartBaseLine.Y;
            var end = start + 1;
            // Chained: a raised or lowered letter (the A and E of the LaTeX logo) stays on its line.
            while (end < letters.Count
                && letters[end - 1].StartBaseLine.Y - letters[end].StartBaseLine.Y <= 0.35 * Math.Max(letters[end - 1].PointSize, letters[end].PointSize))
            {
                end++;
            }

            var line = letters.GetRange(start, end - start);
            line.Sort((a, b) => a.StartBaseLine.X.CompareTo(b.StartBaseLine.X));
            var builder = new StringBuilder();
            var size = 0.0;
            for (var i = 0; i < line.Count; i++)
            {
                var gap = i == 0 ? 0 : line[i].StartBaseLine.X - line[i - 1].EndBaseLine.X;
                if (gap > 2 * line[i].PointSize && builder.Length > 0)
                {
                    lines.Add((builder.ToString(), size, y));
                    builder.Clear();
                    size = 0;
                }
                else if (gap > 0.2 * line[i].PointSize)
                {
                    builder.Append(' ');
                }

                builder.Append(line[i].Value);
                size = Math.Max(size, line[i].PointSize);
            }

            lines.Add((builder.ToString(), size, y));
            start = end;
        }

        return lines;
    }

    [GeneratedRegex(@"^(untitled|title|document|slide \d+|presentation|powerpoint presentation|microsoft (word|powerpoint|excel) - .*)$", RegexOptions.IgnoreCase)]
    private static partial Regex Placeholder();

    [GeneratedRegex(@"\.(docx?|pdf|tex|dvi|ps|eps|txt|rtf|odt|pptx?|xlsx?|indd|qxd|html?)$|^[A-Za-z]:\\|^/|^\S+\.\w{2,4}$", RegexOptions.IgnoreCase)]
    private static partial Regex FileNameLike();
}
