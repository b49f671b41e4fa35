using System.Text;
using System.Text.RegularExpressions;

namespace QwenRag.Ingestion.Extraction;

/// <summary>
/// Tightly justified PDF lines sometimes have no space glyphs, and content-order extraction then glues a whole
/// line into one "word" ("Weintroduceanewbase"). PdfPig's nearest-neighbour word extractor splits those by
/// glyph distance; a run of its words whose letters spell the glued token replaces it, spaced.
/// </summary>
internal static partial class GluedWords
{
    public static bool HasCandidates(string text) => LongRun().IsMatch(text);

    public static string Split(string text, IReadOnlyList<string> words)
    {
        var letters = words.Select(word => new string(word.Where(char.IsLetter).ToArray())).ToArray();
        return LongRun().Replace(text, match => Respace(match.Value, words, letters) ?? match.Value);
    }

    private static string? Respace(string token, IReadOnlyList<string> words, string[] letters)
    {
        for (var start = 0; start < words.Count; start++)
        {
            if (letters[start].Length == 0 || !token.StartsWith(letters[start], StringComparison.Ordinal))
            {
                continue;
            }

            var joined = new StringBuilder(letters[start]);
            var end = start;
            while (joined.Length < token.Length && end + 1 < words.Count)
            {
                joined.Append(letters[++end]);
            }

            if (end > start && joined.ToString() == token)
            {
                // Punctuation before the first and after the last word is still in the text around the token.
                var run = words.Skip(start).Take(end - start + 1).ToArray();
                run[0] = run[0][run[0].IndexOf(letters[start][0], StringComparison.Ordinal)..];
                run[^1] = run[^1][..(run[^1].LastIndexOf(letters[end][^1]) + 1)];
                return string.Join(' ', run);
            }
        }

        return null;
    }

    [GeneratedRegex(@"\p{L}{16,}")]
    private static partial Regex LongRun();
}
