using System.IO.Hashing;
using System.Text;
using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;
using static QwenRag.Retrieval.Tests.KeywordTestDatabase;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>The sparse BM25 vectors: stable term ids, the keyword index's tokenization, and BM25's weights.</summary>
public sealed class Bm25SparseEncoderTests : IDisposable
{
    private readonly Bm25SparseEncoder _encoder = new();

    public void Dispose() => _encoder.Dispose();

    /// <summary>
    /// Ids computed outside .NET, in another process on another day, by an independent Python implementation of
    /// 32-bit xxHash (seed 0) over the UTF-8 bytes. string.GetHashCode is randomized per process, so an id
    /// derived from it (or from anything else per-process) cannot match these constants.
    /// </summary>
    [Theory]
    [InlineData("step", 0x4c485558u)]
    [InlineData("cafe", 0xfca3f159u)]
    [InlineData("governor", 0x62820e8fu)]
    [InlineData("run", 0x14180cf1u)]
    [InlineData("connect", 0xd9ffbd21u)]
    [InlineData("benchmark", 0x5366e200u)]
    [InlineData("abcdefghijklmnopqrstuvwxyz", 0x63a14d5fu)]
    [InlineData("", 0x02cc5d05u)]
    public void TermId_IsXxHash32OfUtf8_SameInEveryProcess(string term, uint expected)
    {
        Assert.Equal(expected, Bm25SparseEncoder.TermId(term));
        Assert.Equal(expected, XxHash32.HashToUInt32(Encoding.UTF8.GetBytes(term)));
    }

    [Fact]
    public void TermId_TwoEncoders_AgreeOnEveryTerm()
    {
        using var other = new Bm25SparseEncoder(averageChunkLength: 20);
        const string text = "Pin the CPU frequency governor to performance so that benchmark runs stay comparable.";

        Assert.Equal(_encoder.EncodeDocument(text).Indices, other.EncodeDocument(text).Indices);
        Assert.Equal(_encoder.EncodeQuery(text).Indices, other.EncodeQuery(text).Indices);
    }

    [Theory]
    [InlineData("steps", "step", "step")]
    [InlineData("running", "run", "run")]
    [InlineData("connections", "connected", "connect")]
    [InlineData("Café", "cafe", "cafe")]
    [InlineData("GOVERNORS", "governor", "governor")]
    public void Encode_InflectedAndFoldedForms_ShareTheStemsId(string word, string other, string stem)
    {
        var expected = new[] { Bm25SparseEncoder.TermId(stem) };

        Assert.Equal(expected, _encoder.EncodeQuery(word).Indices);
        Assert.Equal(expected, _encoder.EncodeQuery(other).Indices);
        Assert.Equal(expected, _encoder.EncodeDocument(word).Indices);
        Assert.Equal(expected, _encoder.EncodeDocument(other).Indices);
    }

    [Fact]
    public async Task Encode_FormsTheKeywordIndexMatches_GetOneId()
    {
        using var database = new KeywordTestDatabase();
        var index = database.OpenIndex();
        await index.UpsertAsync([Chunk("k1", "Café steps were measured")]);

        // The keyword index finds the chunk by the other forms, and the encoder gives those forms the same ids.
        foreach (var (stored, asked) in new[] { ("Café", "cafe"), ("steps", "step"), ("measured", "measuring") })
        {
            Assert.Equal("k1", Assert.Single(await index.SearchAsync(asked, 5, new SearchFilter("docs"))).Chunk.Id.Name());
            Assert.Equal(_encoder.EncodeDocument(stored).Indices, _encoder.EncodeQuery(asked).Indices);
        }
    }

    [Fact]
    public void Encode_Stopwords_AreLeftOut()
    {
        var document = _encoder.EncodeDocument("What is the governor of it and how does it do that?");
        var query = _encoder.EncodeQuery("what is the governor of it");

        Assert.Equal([Bm25SparseEncoder.TermId("governor")], document.Indices);
        Assert.Equal([Bm25SparseEncoder.TermId("governor")], query.Indices);
        Assert.True(_encoder.EncodeQuery("what is the and of it").IsEmpty);
        Assert.True(_encoder.EncodeDocument("the of and").IsEmpty);
        Assert.True(_encoder.EncodeDocument("").IsEmpty);
        Assert.True(_encoder.EncodeQuery("?!.,;").IsEmpty);
    }

    [Theory]
    [InlineData(4.5)]
    [InlineData(9)]
    [InlineData(20)]
    [InlineData(150)]
    [InlineData(1000)]
    public void EncodeDocument_Weights_FollowBm25(double averageLength)
    {
        using var encoder = new Bm25SparseEncoder(averageLength);

        // 9 words, stopwords included: governor x3, benchmark x2, frequenc x1, and three stopwords.
        var terms = encoder.EncodeDocument("Governor governor governors benchmark benchmarks frequency the of and");

        var expected = new Dictionary<uint, double>
        {
            [Bm25SparseEncoder.TermId("governor")] = Bm25(3, 9, averageLength),
            [Bm25SparseEncoder.TermId("benchmark")] = Bm25(2, 9, averageLength),
            [Bm25SparseEncoder.TermId("frequenc")] = Bm25(1, 9, averageLength),
        };
        Assert.Equal(expected.Keys.Order(), terms.Indices);
        for (var i = 0; i < terms.Indices.Length; i++)
        {
            Assert.Equal(expected[terms.Indices[i]], terms.Values[i], 1e-5);
        }
    }

    [Fact]
    public void EncodeDocument_LongerChunk_WeighsTheSameFrequencyLess()
    {
        using var encoder = new Bm25SparseEncoder(10);
        var governor = Bm25SparseEncoder.TermId("governor");

        var shortChunk = encoder.EncodeDocument("governor tuning");
        var longChunk = encoder.EncodeDocument("governor tuning with many more words about other unrelated machine settings");

        var shortWeight = shortChunk.Values[Array.IndexOf(shortChunk.Indices, governor)];
        var longWeight = longChunk.Values[Array.IndexOf(longChunk.Indices, governor)];
        Assert.True(longWeight < shortWeight, $"{longWeight} < {shortWeight}");
        Assert.Equal(Bm25(1, 2, 10), shortWeight, 1e-5);
        Assert.Equal(Bm25(1, 11, 10), longWeight, 1e-5);
    }

    [Theory]
    [InlineData(1, 10, 10.0)]
    [InlineData(2, 10, 10.0)]
    [InlineData(5, 3, 150.0)]
    [InlineData(1, 400, 150.0)]
    public void Weight_IsTheBm25Saturation(int frequency, int length, double averageLength) =>
        Assert.Equal(Bm25(frequency, length, averageLength), Bm25SparseEncoder.Weight(frequency, length, averageLength), 1e-5);

    [Fact]
    public void EncodeQuery_Weights_OnePerDistinctTerm()
    {
        var terms = _encoder.EncodeQuery("governors governor steps step frequency governor");

        Assert.Equal(
            new[] { "governor", "step", "frequenc" }.Select(Bm25SparseEncoder.TermId).Order(),
            terms.Indices);
        Assert.All(terms.Values, value => Assert.Equal(1f, value));
    }

    [Fact]
    public void Encode_Indices_AscendingAndDistinct()
    {
        var terms = _encoder.EncodeDocument("zeta alpha mu omega beta gamma alpha zeta delta epsilon");

        Assert.Equal(terms.Indices.Order(), terms.Indices);
        Assert.Equal(terms.Indices.Length, terms.Indices.Distinct().Count());
        Assert.Equal(terms.Indices.Length, terms.Values.Length);
        Assert.Equal(8, terms.Indices.Length);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Constructor_InvalidAverageLength_Throws(double averageLength) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Bm25SparseEncoder(averageLength));

    /// <summary>BM25's term-frequency part, written out here: tf (k1 + 1) / (tf + k1 (1 - b + b dl / avgdl)), k1 1.2, b 0.75.</summary>
    private static double Bm25(int tf, int dl, double avgdl) => tf * 2.2 / (tf + (1.2 * (0.25 + (0.75 * dl / avgdl))));
}
