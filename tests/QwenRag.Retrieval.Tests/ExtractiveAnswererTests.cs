using QwenRag.Core;
using QwenRag.Retrieval.Answering;

namespace QwenRag.Retrieval.Tests;

public sealed class ExtractiveAnswererTests : IDisposable
{
    private readonly HashingEmbeddingGenerator _embeddings = new();

    public void Dispose() => _embeddings.Dispose();

    public static TheoryData<string, string, string> AnswerPassages => new()
    {
        {
            "How many steps of linear warmup were used when fine-tuning?",
            "We fine-tuned the models for 400 steps. A linear warmup of 20 steps was used. The learning rate was 2e-5. Training ran on 8 GPUs.",
            "A linear warmup of 20 steps was used."
        },
        {
            "Which command switches the CPU frequency governor to performance?",
            "Benchmarks vary between runs.\n\nTo reduce variance, run `cpupower frequency-set --governor performance` as root.\nThis pins the frequency governor so the clock speed stays high. Disable ASLR as well.",
            "cpupower frequency-set --governor performance"
        },
        {
            "Why should web content not be owned by the web server's user account?",
            "Each service runs under its own user account. Web content should not be owned by the web server's user, because a compromised web server would be able to rewrite the web site. Log files are rotated daily.",
            "a compromised web server would be able to rewrite"
        },
        {
            "What is the passkey retrieval accuracy at 128k context?",
            "Table 3: 7B 13B 64k 128k 99.4 99.6 100 100. The models pass the passkey retrieval task with over 99% accuracy at the full 128k context. Perplexity also stays flat.",
            "passkey retrieval task with over 99% accuracy"
        },
    };

    [Theory]
    [MemberData(nameof(AnswerPassages))]
    public async Task AnswerAsync_PassageWithAnswer_QuotesTheAnswerSentence(string question, string passage, string expected)
    {
        await AssertQuotesAnswerAsync(new ExtractiveAnswerer(_embeddings), question, passage, expected);
    }

    internal static async Task AssertQuotesAnswerAsync(ExtractiveAnswerer answerer, string question, string passage, string expected)
    {
        ScoredChunk[] sources =
        [
            Source("s1", passage),
            Source("s2", "An unrelated passage about the history of typesetting. Knuth designed TeX in the late seventies."),
        ];

        var response = await answerer.CollectAsync(question, sources);

        var firstSentence = response.Answer.Split(" [", 2)[0];
        Assert.Contains(expected, firstSentence, StringComparison.Ordinal);
        Assert.Equal("extractive", response.Generator);
        Assert.Equal(TestChunkIds.Of("s1").ToString(), response.Citations[0].ChunkId);
    }

    [Fact]
    public async Task AnswerAsync_AnswerInSecondSource_CitesThatSource()
    {
        var answerer = new ExtractiveAnswerer(_embeddings);
        ScoredChunk[] sources =
        [
            Source("s1", "The amsmath package provides many display environments for equations. It is maintained by the LaTeX project."),
            Source("s2", "The YaRN scaled Llama 2 models reach an MMLU score of 51.9 at a 128k context window.", document: "yarn.pdf", page: 10),
        ];

        var updates = await Collect(answerer.AnswerAsync("What MMLU score did the 128k YaRN model reach?", sources));

        var text = string.Concat(updates.Select(update => update.Text));
        Assert.StartsWith("The YaRN scaled Llama 2 models reach an MMLU score of 51.9", text, StringComparison.Ordinal);
        Assert.Contains("51.9 at a 128k context window. [1]", text, StringComparison.Ordinal);
        var citations = updates[^1].Citations!;
        Assert.Equal(
            new Citation(
                "yarn.pdf", 10, TestChunkIds.Of("s2").ToString(), 10,
                "The YaRN scaled Llama 2 models reach an MMLU score of 51.9 at a 128k context window."),
            citations[0]);
    }

    [Fact]
    public async Task AnswerAsync_Streams_TextDeltasThenCitationsOnceLast()
    {
        var answerer = new ExtractiveAnswerer(_embeddings, new ExtractiveAnswererOptions { RelativeThreshold = 0 });
        ScoredChunk[] sources =
        [
            Source("s1", "Governor settings change benchmark variance a lot. The performance governor keeps clocks high."),
            Source("s2", "Turbo boost also changes benchmark variance between runs."),
        ];

        var updates = await Collect(answerer.AnswerAsync("What changes benchmark variance?", sources));

        Assert.True(updates.Count >= 3);
        Assert.All(updates[..^1], update => Assert.Null(update.Citations));
        Assert.All(updates[..^1], update => Assert.Matches(@"\[\d+\]$", update.Text));
        Assert.Null(updates[^1].Text);
        var citations = updates[^1].Citations!;
        var text = string.Concat(updates.Select(update => update.Text));
        var markers = System.Text.RegularExpressions.Regex.Matches(text, @"\[(\d+)\]").Select(match => int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).Distinct().ToList();
        Assert.Equal(Enumerable.Range(1, citations.Count), markers.Order());
        Assert.Equal(citations.Count, citations.Select(citation => citation.ChunkId).Distinct().Count());
        Assert.Equal(1, markers[0]);
    }

    [Fact]
    public async Task AnswerAsync_NoSources_SaysNothingAnswersWithoutCitations()
    {
        var answerer = new ExtractiveAnswerer(_embeddings);

        var updates = await Collect(answerer.AnswerAsync("Anything?", []));

        Assert.Equal("No passages in this set answer the question.", string.Concat(updates.Select(update => update.Text)));
        Assert.Empty(updates[^1].Citations!);
        Assert.Equal(0, _embeddings.Calls);
    }

    [Fact]
    public async Task AnswerAsync_OnlySymbolsAndNumbers_FallsBackToTopSourceStart()
    {
        var answerer = new ExtractiveAnswerer(_embeddings);

        var response = await answerer.CollectAsync("What is in the table?", [Source("s1", "1.0 | 2.5 | 3.7 %% ## 42 -- 17")]);

        Assert.Equal("1.0 | 2.5 | 3.7 %% ## 42 -- 17 [1]", response.Answer);
        Assert.Equal(TestChunkIds.Of("s1").ToString(), Assert.Single(response.Citations).ChunkId);
    }

    [Fact]
    public async Task AnswerAsync_SkipsSymbolHeavyShortAndDuplicateSentences()
    {
        var answerer = new ExtractiveAnswerer(_embeddings, new ExtractiveAnswererOptions { RelativeThreshold = 0, MaxSentences = 5 });
        ScoredChunk[] sources =
        [
            Source("s1", "Warmup 20 = 1e-5 * 3 + 7 / 2 ± 0.4 %. Warmup. The warmup lasted 20 steps in total."),
            Source("s2", "The warmup lasted 20 steps in total."),
        ];

        var response = await answerer.CollectAsync("How long was the warmup?", sources);

        Assert.Equal("The warmup lasted 20 steps in total. [1]", response.Answer);
    }

    [Fact]
    public async Task AnswerAsync_MaxSentences_BoundsAnswerLength()
    {
        var answerer = new ExtractiveAnswerer(_embeddings, new ExtractiveAnswererOptions { RelativeThreshold = 0, MaxSentences = 2 });
        var passage = string.Join(' ', Enumerable.Range(1, 10).Select(i => $"Governor fact number {i} concerns frequency scaling."));

        var response = await answerer.CollectAsync("frequency governor", [Source("s1", passage)]);

        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(response.Answer, @"\[1\]"));
    }

    [Fact]
    public async Task AnswerAsync_MaxTokensBudget_StopsAfterFirstSentence()
    {
        var answerer = new ExtractiveAnswerer(_embeddings, new ExtractiveAnswererOptions { RelativeThreshold = 0 });
        var passage = "Governor fact one concerns frequency scaling. Governor fact two concerns frequency scaling.";

        var response = await answerer.CollectAsync("frequency governor", [Source("s1", passage)], new AnswerOptions { MaxTokens = 5 });

        Assert.Single(System.Text.RegularExpressions.Regex.Matches(response.Answer, @"\[1\]"));
    }

    [Fact]
    public async Task AnswerAsync_CancelledAfterFirstSentence_Throws()
    {
        var answerer = new ExtractiveAnswerer(_embeddings, new ExtractiveAnswererOptions { RelativeThreshold = 0 });
        ScoredChunk[] sources = [Source("s1", "Warmup took twenty steps overall. The warmup used a linear schedule. The warmup ended early.")];
        using var cancellation = new CancellationTokenSource();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in answerer.AnswerAsync("warmup", sources, cancellationToken: cancellation.Token))
            {
                cancellation.Cancel();
            }
        });
    }

    [Fact]
    public async Task AnswerAsync_AlreadyCancelled_ThrowsBeforeEmbedding()
    {
        var answerer = new ExtractiveAnswerer(_embeddings);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Collect(answerer.AnswerAsync("warmup", [Source("s1", "The warmup lasted 20 steps.")], cancellationToken: new CancellationToken(canceled: true))));
        Assert.Equal(0, _embeddings.Calls);
    }

    [Fact]
    public async Task CollectAsync_Stream_JoinsTextAndCitations()
    {
        var response = await AnswerCollector.CollectAsync(Stream(), "qwen");

        Assert.Equal("Hello world [1]", response.Answer);
        Assert.Equal("qwen", response.Generator);
        Assert.Equal(["c1"], response.Citations.Select(citation => citation.ChunkId));

        static async IAsyncEnumerable<AnswerUpdate> Stream()
        {
            await Task.Yield();
            yield return AnswerUpdate.Delta("Hello");
            yield return AnswerUpdate.Delta(" world [1]");
            yield return AnswerUpdate.Cited([new Citation("a.pdf", 3, "c1", 3, "Hello world"), new Citation("a.pdf", 3, "c1", 3, "Hello world")]);
        }
    }

    internal static ScoredChunk Source(string id, string text, string document = "doc.md", int page = 1) =>
        new(new ChunkRecord(TestChunkIds.Of(id), "docs", "doc-" + id, document, 0, page, page, text, []), 0.5);

    private static async Task<List<AnswerUpdate>> Collect(IAsyncEnumerable<AnswerUpdate> updates)
    {
        var list = new List<AnswerUpdate>();
        await foreach (var update in updates)
        {
            list.Add(update);
        }

        return list;
    }
}
