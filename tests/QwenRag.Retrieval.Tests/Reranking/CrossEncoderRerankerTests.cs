using QwenRag.Retrieval.Reranking;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>The cross-encoder over the test folder: MiniLM's real transformer with a seeded random head.</summary>
[Collection(CrossEncoderCollection.Name)]
public sealed class CrossEncoderRerankerTests(CrossEncoderFixture fixture)
{
    private const string Query = "how do I pin the cpu frequency governor to performance";

    private static readonly string[] Words =
        ["governor", "frequency", "turbo", "benchmark", "latency", "kernel", "scheduler", "memory", "cache", "thread", "power", "clock"];

    [Fact]
    public async Task ScoreAsync_PairsOfDifferentLengths_EqualClsRowTimesHeadOfTheBodyRunAlone()
    {
        string[] passages =
        [
            "Run cpupower frequency-set -g performance.",
            "The cat slept on the warm windowsill all afternoon while the rain kept falling outside.",
            "Turbo boost changes the clock speed during a benchmark run, so results vary between runs unless the " +
                "governor is pinned and turbo is disabled in the firmware settings or through the intel_pstate driver.",
            "Invoices must be filed with the tax office before the end of March.",
        ];

        // Scored together, so the shorter pairs are padded in one batch; the reference runs each pair alone.
        var scores = await fixture.Reranker.ScoreAsync(Query, passages);

        Assert.Equal(passages.Length, scores.Count);
        for (var i = 0; i < passages.Length; i++)
        {
            var (ids, types) = fixture.ReferencePair(Query, passages[i]);
            Assert.Equal(fixture.ReferenceScore(ids, types), scores[i], 1e-3f);
        }

        Assert.Equal(passages.Length, scores.Distinct().Count());
    }

    [Fact]
    public void Encode_Pair_IsClsQuerySepPassageSepAsTheTokenizerBuildsIt()
    {
        var passage = "Turbo boost changes the clock speed.";

        var (ids, first) = fixture.Reranker.Encode(Query, passage);

        var (expected, types) = fixture.ReferencePair(Query, passage);
        Assert.Equal(expected, ids);
        Assert.Equal(types.Count(type => type == 0), first);
    }

    [Fact]
    public async Task ScoreAsync_PassageLongerThanTheWindow_KeepsTheQueryAndCutsThePassage()
    {
        var passage = string.Join(' ', Enumerable.Range(0, 900).Select(i => Words[i % Words.Length]));

        var (ids, first) = fixture.Reranker.Encode(Query, passage);
        var score = Assert.Single(await fixture.Reranker.ScoreAsync(Query, [passage]));

        Assert.Equal(512, fixture.Reranker.MaxInputTokens);
        Assert.Equal(512, ids.Length);
        var (full, fullTypes) = fixture.ReferencePair(Query, passage);
        Assert.Equal(full[..first], ids[..first]);
        Assert.Equal(full[first..(ids.Length - 1)], ids[first..^1]);
        Assert.Equal(fixture.Tokenizer.SeparatorTokenId, ids[^1]);

        // The model reads exactly the cut pair (the uncut one would not even fit its position embeddings).
        var types = fullTypes[..ids.Length];
        Assert.Equal(fixture.ReferenceScore(ids, types), score, 1e-3f);
    }

    [Fact]
    public void Encode_LongQueryAndLongPassage_QueryKeepsHalfTheWindow()
    {
        var text = string.Join(' ', Enumerable.Range(0, 700).Select(i => Words[i % Words.Length]));

        var (ids, first) = fixture.Reranker.Encode(text, text);

        var room = fixture.Reranker.MaxInputTokens - 3;
        Assert.Equal(fixture.Reranker.MaxInputTokens, ids.Length);
        Assert.Equal((room / 2) + 2, first);
    }

    [Fact]
    public void Encode_LongQueryShortPassage_KeepsThePassageWhole()
    {
        var query = string.Join(' ', Enumerable.Range(0, 700).Select(i => Words[i % Words.Length]));
        var passage = "Run cpupower frequency-set -g performance.";

        var (ids, first) = fixture.Reranker.Encode(query, passage);

        var pieces = fixture.Tokenizer.EncodeToIds(passage, addSpecialTokens: false);
        Assert.Equal(fixture.Reranker.MaxInputTokens, ids.Length);
        Assert.Equal(pieces, ids[first..^1]);
    }

    [Fact]
    public async Task ScoreAsync_NoPassages_ReturnsNoScores()
    {
        Assert.Empty(await fixture.Reranker.ScoreAsync(Query, []));
    }

    [Fact]
    public async Task ScoreAsync_Cancelled_Throws()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Reranker.ScoreAsync(Query, ["a passage"], cancelled.Token));
    }

    [Fact]
    public async Task ScoreAsync_MorePassagesThanAllowed_ThrowsArgumentException()
    {
        using var reranker = new CrossEncoderReranker(fixture.Folder, new CrossEncoderOptions { MaxPassages = 2, IntraOpThreads = 1 });

        var error = await Assert.ThrowsAsync<ArgumentException>(() => reranker.ScoreAsync(Query, ["a", "b", "c"]));
        Assert.Contains("3 passages", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelId_IsTheFolderName()
    {
        Assert.Equal(Path.GetFileName(fixture.Folder), fixture.Reranker.ModelId);
    }
}
