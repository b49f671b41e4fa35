namespace QwenRag.Generation.RetrievalModels;

/// <summary>Splits token sequences into passes of similar lengths, each within a padded-token budget.</summary>
internal static class TokenBatches
{
    /// <summary>Indices of <paramref name="sequences"/>, shortest first, grouped so that count x longest stays within the budget.</summary>
    public static List<int[]> Plan(IReadOnlyList<IReadOnlyList<int>> sequences, int batchTokens, int maxBatchSize)
    {
        var order = Enumerable.Range(0, sequences.Count).OrderBy(i => sequences[i].Count).ToArray();
        var batches = new List<int[]>();
        var current = new List<int>();
        foreach (var index in order)
        {
            // Sorted ascending: the newest sequence is the longest of its batch.
            var longest = sequences[index].Count;
            if (current.Count > 0 && (current.Count >= maxBatchSize || (long)(current.Count + 1) * longest > batchTokens))
            {
                batches.Add([.. current]);
                current.Clear();
            }

            current.Add(index);
        }

        if (current.Count > 0)
        {
            batches.Add([.. current]);
        }

        return batches;
    }

    /// <summary>
    /// <paramref name="text"/>'s ids, at most <paramref name="limit"/>. Only a prefix of a very long text is encoded:
    /// a token is rarely longer than 16 characters, so that prefix holds the first <paramref name="limit"/> tokens.
    /// </summary>
    public static IReadOnlyList<int> Truncated(Tokenization.QwenTokenizer tokenizer, string text, int limit)
    {
        var bounded = text.Length > (long)limit * 16 ? text[..(limit * 16)] : text;
        var ids = tokenizer.Encode(bounded);
        return ids.Count <= limit ? ids : ids.Take(limit).ToArray();
    }
}
