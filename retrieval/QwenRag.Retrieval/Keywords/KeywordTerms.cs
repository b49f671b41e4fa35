using System.Text.RegularExpressions;

namespace QwenRag.Retrieval.Keywords;

/// <summary>
/// Turns arbitrary user text into search terms: words of letters and digits, lower-cased, English
/// stopwords dropped. Shared by the keyword index (FTS5 queries) and the extractive answerer (overlap).
/// </summary>
internal static partial class KeywordTerms
{
    /// <summary>Enough terms for any real question; keeps pasted paragraphs from building huge queries.</summary>
    public const int MaxQueryTerms = 64;

    private static readonly HashSet<string> Stopwords = new(StringComparer.Ordinal)
    {
        "a", "about", "above", "after", "again", "against", "all", "am", "an", "and", "any", "are", "as", "at",
        "be", "because", "been", "before", "being", "below", "between", "both", "but", "by",
        "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few", "for", "from", "further",
        "had", "has", "have", "having", "he", "her", "here", "hers", "herself", "him", "himself", "his", "how",
        "i", "if", "in", "into", "is", "it", "its", "itself", "just", "me", "more", "most", "my", "myself",
        "no", "nor", "not", "now", "of", "off", "on", "once", "only", "or", "other", "our", "ours", "ourselves",
        "out", "over", "own", "s", "same", "she", "should", "so", "some", "such", "t", "than", "that", "the",
        "their", "theirs", "them", "themselves", "then", "there", "these", "they", "this", "those", "through",
        "to", "too", "under", "until", "up", "very", "was", "we", "were", "what", "when", "where", "which",
        "while", "who", "whom", "why", "will", "with", "would", "you", "your", "yours", "yourself", "yourselves",
    };

    /// <summary>Every word of <paramref name="text"/>, lower-cased, in order (stopwords included).</summary>
    public static IEnumerable<string> Words(string text)
    {
        foreach (Match match in WordPattern().Matches(text))
        {
            yield return match.Value.ToLowerInvariant();
        }
    }

    /// <summary>Distinct non-stopword words of <paramref name="text"/>, in first-seen order.</summary>
    public static IReadOnlyList<string> ContentTerms(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var terms = new List<string>();
        foreach (var word in Words(text))
        {
            if (!IsStopword(word) && seen.Add(word))
            {
                terms.Add(word);
            }
        }

        return terms;
    }

    public static bool IsStopword(string word) => Stopwords.Contains(word);

    /// <summary>
    /// An FTS5 MATCH expression for user text, or null when the text has no searchable term. Every term is a
    /// quoted string (so no user character is ever FTS5 syntax) and the terms are OR-ed; a word joined by
    /// punctuation such as <c>NTK-by-parts</c> or <c>51.9</c> also adds the joined phrase, which BM25 rewards
    /// when the passage has the words adjacent.
    /// </summary>
    public static string? ToMatchExpression(string text)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var parts = new List<string>();
        foreach (var rawWord in text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries))
        {
            var pieces = Words(StripPossessive(rawWord)).ToList();
            if (pieces.Count > 1)
            {
                Add(string.Join(' ', pieces));
            }

            foreach (var piece in pieces)
            {
                if (!IsStopword(piece))
                {
                    Add(piece);
                }
            }

            if (parts.Count >= MaxQueryTerms)
            {
                break;
            }
        }

        return parts.Count == 0 ? null : string.Join(" OR ", parts);

        void Add(string phrase)
        {
            if (parts.Count < MaxQueryTerms && seen.Add(phrase))
            {
                // Only letters, digits, marks and spaces reach here; doubling quotes is belt and braces.
                parts.Add('"' + phrase.Replace("\"", "\"\"", StringComparison.Ordinal) + '"');
            }
        }
    }

    private static string StripPossessive(string word)
    {
        var trimmed = word.TrimEnd('.', ',', ';', ':', '?', '!', ')', ']', '"');
        foreach (var suffix in (ReadOnlySpan<string>)["'s", "\u2019s"])
        {
            if (trimmed.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                return trimmed[..^suffix.Length];
            }
        }

        return trimmed;
    }

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}\p{M}]*", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
