using System.Text.RegularExpressions;

namespace QwenRag.Ingestion.Chunking;

/// <summary>Splits paragraphs into sentences and sentences into words, keeping what separated them.</summary>
internal static partial class SentenceBoundaries
{
    public static IEnumerable<string> Paragraphs(string text) =>
        ParagraphBreak().Split(text).Select(paragraph => paragraph.Trim()).Where(paragraph => paragraph.Length > 0);

    /// <summary>Sentences with the whitespace that preceded each (empty for the first).</summary>
    public static IEnumerable<(string Separator, string Text)> Sentences(string paragraph) => Pieces(paragraph, SentenceEnd());

    /// <summary>Words with the whitespace that preceded each.</summary>
    public static IEnumerable<(string Separator, string Text)> Words(string sentence) => Pieces(sentence, Whitespace());

    public static SegmentJoin JoinFor(string separator) =>
        separator.Length == 0 ? SegmentJoin.Glued : separator.Contains('\n') ? SegmentJoin.Line : SegmentJoin.Space;

    private static IEnumerable<(string Separator, string Text)> Pieces(string text, Regex boundary)
    {
        var start = 0;
        var separator = "";
        foreach (Match match in boundary.Matches(text))
        {
            if (match.Index > start)
            {
                yield return (separator, text[start..match.Index]);
            }

            separator = match.Value;
            start = match.Index + match.Length;
        }

        if (start < text.Length)
        {
            yield return (separator, text[start..]);
        }
    }

    [GeneratedRegex(@"\n[^\S\n]*\n\s*")]
    private static partial Regex ParagraphBreak();

    // Whitespace after . ! ? (and closing quotes or brackets) that is followed by something other than a
    // lower-case letter, so "e.g. the" stays one sentence.
    [GeneratedRegex(@"(?<=[.!?…][""'’”»)\]]*)\s+(?=[^\p{Ll}\s])")]
    private static partial Regex SentenceEnd();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
