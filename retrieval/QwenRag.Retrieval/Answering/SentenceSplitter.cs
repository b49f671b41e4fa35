using System.Text.RegularExpressions;

namespace QwenRag.Retrieval.Answering;

/// <summary>
/// Splits passage text into sentences. Extracted text breaks lines mid-sentence (PDF) and runs list items and
/// headings together without full stops (Markdown, HTML), so blank lines, list items and headings end a sentence
/// too, and the line breaks left inside a sentence become spaces (re-joining words hyphenated across lines).
/// </summary>
internal static partial class SentenceSplitter
{
    private static readonly HashSet<string> Abbreviations = new(StringComparer.OrdinalIgnoreCase)
    {
        "al", "cf", "e.g", "eg", "eq", "eqs", "etc", "fig", "figs", "i.e", "ie", "no", "nos", "p", "pp",
        "ref", "refs", "sec", "sect", "tab", "vol", "vs", "approx", "dr", "mr", "mrs", "ms", "prof", "st",
    };

    public static IReadOnlyList<string> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sentences = new List<string>();
        foreach (var block in BlockBreak().Split(text.Replace("\r\n", "\n", StringComparison.Ordinal)))
        {
            var joined = Whitespace().Replace(LineHyphen().Replace(block, "$1$2"), " ").Trim();
            if (joined.Length == 0)
            {
                continue;
            }

            var start = 0;
            foreach (Match boundary in SentenceEnd().Matches(joined))
            {
                if (EndsWithAbbreviation(joined, start, boundary.Index))
                {
                    continue;
                }

                AddTrimmed(sentences, joined[start..(boundary.Index + boundary.Value.TrimEnd().Length)]);
                start = boundary.Index + boundary.Length;
            }

            AddTrimmed(sentences, joined[start..]);
        }

        return sentences;
    }

    private static void AddTrimmed(List<string> sentences, string sentence)
    {
        var trimmed = sentence.Trim().TrimStart('-', '*', '•', '#', '>', ' ').Trim();
        if (trimmed.Length > 0)
        {
            sentences.Add(trimmed);
        }
    }

    /// <summary>True when the full stop at <paramref name="stop"/> closes an abbreviation or an initial.</summary>
    private static bool EndsWithAbbreviation(string text, int start, int stop)
    {
        if (text[stop] != '.')
        {
            return false;
        }

        var wordStart = stop;
        while (wordStart > start && !char.IsWhiteSpace(text[wordStart - 1]) && text[wordStart - 1] != '(')
        {
            wordStart--;
        }

        var word = text[wordStart..stop];
        return (word.Length == 1 && char.IsUpper(word[0])) || Abbreviations.Contains(word);
    }

    /// <summary>Blank lines, and line starts that open a list item, a heading or a quote.</summary>
    [GeneratedRegex(@"\n\s*\n|\n(?=[ \t]*(?:[-*•+]\s|\d{1,3}[.)]\s|#{1,6}\s|>))", RegexOptions.CultureInvariant)]
    private static partial Regex BlockBreak();

    /// <summary>A word broken with a hyphen at the end of a line.</summary>
    [GeneratedRegex(@"(\p{Ll})-\n[ \t]*(\p{Ll})", RegexOptions.CultureInvariant)]
    private static partial Regex LineHyphen();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    /// <summary>Terminal punctuation (with closing quotes or brackets) followed by space and a sentence start.</summary>
    [GeneratedRegex(@"[.!?][""'”’)\]]*\s+(?=[\p{Lu}\p{N}""'“‘(\[])", RegexOptions.CultureInvariant)]
    private static partial Regex SentenceEnd();
}
