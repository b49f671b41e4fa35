using QwenRag.Retrieval.Keywords;

namespace QwenRag.Retrieval.Answering;

/// <summary>
/// How much of a question's wording a sentence repeats: the share of the question's content words it contains,
/// each word weighted by its rarity among the candidate sentences so "warmup" counts more than "model".
/// Words match after light stemming (plural and -ing/-ed endings).
/// </summary>
internal sealed class WordOverlap
{
    private readonly Dictionary<string, double> _weights = new(StringComparer.Ordinal);
    private readonly double _total;

    public WordOverlap(string question, IEnumerable<string> sentences)
    {
        var terms = KeywordTerms.ContentTerms(question).Select(Stem).Distinct(StringComparer.Ordinal).ToList();
        var documentFrequency = terms.ToDictionary(term => term, _ => 0, StringComparer.Ordinal);
        var count = 0;
        foreach (var sentence in sentences)
        {
            count++;
            foreach (var stem in Stems(sentence))
            {
                if (documentFrequency.TryGetValue(stem, out var frequency))
                {
                    documentFrequency[stem] = frequency + 1;
                }
            }
        }

        foreach (var term in terms)
        {
            var weight = Math.Log(1.0 + ((count + 1.0) / (documentFrequency[term] + 1.0)));
            _weights.Add(term, weight);
            _total += weight;
        }
    }

    /// <summary>0 (no question word) to 1 (every question word).</summary>
    public double Score(string sentence)
    {
        if (_total <= 0)
        {
            return 0;
        }

        var matched = 0.0;
        foreach (var stem in Stems(sentence))
        {
            if (_weights.TryGetValue(stem, out var weight))
            {
                matched += weight;
            }
        }

        return matched / _total;
    }

    internal static string Stem(string word)
    {
        if (word.Length > 4 && word.EndsWith("ies", StringComparison.Ordinal))
        {
            return word[..^3] + "y";
        }

        if (word.Length > 5 && word.EndsWith("ing", StringComparison.Ordinal))
        {
            return word[..^3];
        }

        if (word.Length > 4 && word.EndsWith("ed", StringComparison.Ordinal))
        {
            return word[..^2];
        }

        if (word.Length > 3 && word.EndsWith('s') && !word.EndsWith("ss", StringComparison.Ordinal))
        {
            return word[..^1];
        }

        return word;
    }

    /// <summary>Distinct stems of the sentence's words, so a repeated word counts once.</summary>
    private static HashSet<string> Stems(string sentence) =>
        KeywordTerms.Words(sentence).Select(Stem).ToHashSet(StringComparer.Ordinal);
}
