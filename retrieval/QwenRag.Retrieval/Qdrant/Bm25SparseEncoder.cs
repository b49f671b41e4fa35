using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Text;
using QwenRag.Retrieval.Keywords;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// Builds the sparse <c>bm25</c> vectors Qdrant ranks keywords with, from the keyword index's own tokenization
/// (<see cref="Fts5Terms"/>: the same folding and Porter stemming, the same stopwords left out of queries).
/// A term's id is the 32-bit xxHash of its UTF-8 bytes, the same in every process and on every machine. A chunk's
/// weight for a term is BM25's saturated term frequency, <c>tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl))</c>,
/// with <c>dl</c> the chunk's length in words; the collection's <c>Modifier.Idf</c> multiplies in the inverse
/// document frequency on the server, at query time. A query's weights are 1 per distinct term.
/// </summary>
public sealed class Bm25SparseEncoder : IDisposable
{
    public const double K1 = 1.2;
    public const double B = 0.75;

    /// <summary>
    /// Average words per chunk of this project's chunker (200-token target over MiniLM word pieces): the shared
    /// corpus's PDFs average 86 whitespace-separated words per chunk (997 chunks, <c>bench vectors --corpus</c>);
    /// splitting at punctuation as the keyword index does adds a few.
    /// </summary>
    public const double DefaultAverageChunkLength = 90;

    // One FTS5 tokenizer per concurrent caller (each is an in-memory SQLite connection, used by one thread at a
    // time), so that ingestion batches and searches never queue behind one another.
    private readonly ConcurrentBag<Fts5Terms> _terms = [];

    public Bm25SparseEncoder(double averageChunkLength = DefaultAverageChunkLength)
    {
        if (!double.IsFinite(averageChunkLength) || averageChunkLength < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(averageChunkLength), averageChunkLength, "The average chunk length must be 1 or more.");
        }

        AverageChunkLength = averageChunkLength;
    }

    public double AverageChunkLength { get; }

    /// <summary>The id a (folded, stemmed) term has in every sparse vector.</summary>
    public static uint TermId(string term) => XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(term));

    /// <summary>BM25 term-frequency weight of a term seen <paramref name="frequency"/> times in a chunk of <paramref name="length"/> words.</summary>
    public static float Weight(int frequency, int length, double averageLength) =>
        (float)(frequency * (K1 + 1) / (frequency + (K1 * (1 - B + (B * length / averageLength)))));

    /// <summary>The sparse vector of a chunk's text: every non-stopword term, weighted by BM25 saturation.</summary>
    public SparseTerms EncodeDocument(string text)
    {
        var length = 0;
        var content = new StringBuilder(text.Length);
        foreach (var word in KeywordTerms.Words(text))
        {
            length++;
            if (!KeywordTerms.IsStopword(word))
            {
                content.Append(word).Append(' ');
            }
        }

        return Build(Count(content.ToString()), count => Weight(count, length, AverageChunkLength));
    }

    /// <summary>The sparse vector of a query: each distinct non-stopword term once, weight 1 (IDF is the server's).</summary>
    public SparseTerms EncodeQuery(string text)
    {
        var terms = KeywordTerms.ContentTerms(text).Take(KeywordTerms.MaxQueryTerms);
        return Build(Count(string.Join(' ', terms)), _ => 1f);
    }

    public void Dispose()
    {
        while (_terms.TryTake(out var terms))
        {
            terms.Dispose();
        }
    }

    private IReadOnlyList<(string Term, int Count)> Count(string text)
    {
        var terms = _terms.TryTake(out var idle) ? idle : new Fts5Terms();
        try
        {
            return terms.Count(text);
        }
        finally
        {
            _terms.Add(terms);
        }
    }

    private static SparseTerms Build(IReadOnlyList<(string Term, int Count)> counts, Func<int, float> weight)
    {
        // Two terms whose hashes collide share one index: their weights add, as the server would see one term.
        var merged = new SortedDictionary<uint, float>();
        foreach (var (term, count) in counts)
        {
            var id = TermId(term);
            merged[id] = merged.GetValueOrDefault(id) + weight(count);
        }

        return new SparseTerms([.. merged.Keys], [.. merged.Values]);
    }
}

/// <summary>A sparse vector: term ids in ascending order, each with its weight.</summary>
public sealed record SparseTerms(uint[] Indices, float[] Values)
{
    public bool IsEmpty => Indices.Length == 0;
}
