using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Retrieval.Fusion;
using static QwenRag.Retrieval.Tests.KeywordTestDatabase;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>The reranking stage of <see cref="HybridRetriever"/>: which candidates it scores, and how it orders them.</summary>
[Collection(CrossEncoderCollection.Name)]
public sealed class RerankingStageTests(CrossEncoderFixture fixture) : IDisposable
{
    private static readonly SearchFilter Docs = new("docs");

    private readonly HashingEmbeddingGenerator _embeddings = new();
    private readonly ListVectorStore _vectors = new();
    private readonly KeywordTestDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task SearchAsync_WithReranker_ScoresTheFusedCandidatesAndReturnsTheTopByTheirScores()
    {
        await IndexAsync(40);
        var fused = await new HybridRetriever(_embeddings, _vectors).SearchAsync("shared topic passage", 20, Docs);

        // Scores rise with the number in the text, so the reranked order is the reverse of nothing the store did.
        var reranker = new ConstantReranker("numbers", (passages, _) => passages.Select(Number).Select(n => (float)n).ToArray());
        var retriever = new HybridRetriever(_embeddings, _vectors, new HybridRetrieverOptions { RerankCandidates = 20 }, reranker);

        var hits = await retriever.SearchAsync("shared topic passage", 5, Docs);

        var scored = Assert.Single(reranker.Calls);
        Assert.Equal(fused.Select(hit => hit.Chunk.Text), scored);
        var expected = fused.OrderByDescending(hit => Number(hit.Chunk.Text)).Take(5).ToArray();
        Assert.Equal(expected.Select(hit => hit.Chunk.Id), hits.Select(hit => hit.Chunk.Id));
        Assert.Equal(expected.Select(hit => (double)Number(hit.Chunk.Text)), hits.Select(hit => hit.Score));
        Assert.Equal("numbers", retriever.RerankerId);
    }

    [Fact]
    public async Task SearchAsync_TopAboveCandidates_RerankesTopCandidates()
    {
        await IndexAsync(40);
        var reranker = new ConstantReranker("zero");
        var retriever = new HybridRetriever(_embeddings, _vectors, new HybridRetrieverOptions { RerankCandidates = 10 }, reranker);

        var hits = await retriever.SearchAsync("shared topic passage", 25, Docs);

        Assert.Equal(25, Assert.Single(reranker.Calls).Count);
        Assert.Equal(25, hits.Count);
    }

    [Fact]
    public async Task SearchAsync_EqualScores_KeepTheFusedOrder()
    {
        await IndexAsync(30);
        var fused = await new HybridRetriever(_embeddings, _vectors).SearchAsync("shared topic passage", 12, Docs);

        // Two score levels: the even positions of the fused order first, each level in fused order.
        var reranker = new ConstantReranker("levels", (passages, _) => passages.Select((_, i) => i % 2 == 0 ? 1f : 0f).ToArray());
        var retriever = new HybridRetriever(_embeddings, _vectors, new HybridRetrieverOptions { RerankCandidates = 12 }, reranker);

        var hits = await retriever.SearchAsync("shared topic passage", 12, Docs);

        var expected = fused.Where((_, i) => i % 2 == 0).Concat(fused.Where((_, i) => i % 2 == 1));
        Assert.Equal(expected.Select(hit => hit.Chunk.Id), hits.Select(hit => hit.Chunk.Id));
    }

    [Fact]
    public async Task SearchAsync_WithoutReranker_KeepsFusedOrderAndScores()
    {
        await IndexAsync(30);
        var retriever = new HybridRetriever(_embeddings, _vectors, new HybridRetrieverOptions { RerankCandidates = 1 });

        var hits = await retriever.SearchAsync("shared topic passage", 5, Docs);

        var vector = await _embeddings.GenerateVectorAsync("shared topic passage");
        var dense = await _vectors.SearchAsync(vector, 5, Docs);
        Assert.Null(retriever.RerankerId);
        Assert.Equal(dense.Select(hit => (hit.Chunk.Id, hit.Score)), hits.Select(hit => (hit.Chunk.Id, hit.Score)));
    }

    [Theory]
    [InlineData("throws")]
    [InlineData("count")]
    [InlineData("nan")]
    public async Task SearchAsync_RerankerFails_ThrowsRerankingFailedNamingTheModel(string failure)
    {
        await IndexAsync(10);
        var reranker = new ConstantReranker("broken", (passages, _) => failure switch
        {
            "throws" => throw new InvalidOperationException("session lost"),
            "count" => new float[passages.Count - 1],
            _ => passages.Select(_ => float.NaN).ToArray(),
        });
        var retriever = new HybridRetriever(_embeddings, _vectors, options: null, reranker);

        var error = await Assert.ThrowsAsync<RerankingFailedException>(() => retriever.SearchAsync("shared topic passage", 5, Docs));

        Assert.Contains("broken", error.Message, StringComparison.Ordinal);
        if (failure == "throws")
        {
            Assert.IsType<InvalidOperationException>(error.InnerException);
        }
    }

    [Fact]
    public async Task SearchAsync_CancelledWhileReranking_ThrowsOperationCanceled()
    {
        await IndexAsync(10);
        using var cancellation = new CancellationTokenSource();
        var reranker = new ConstantReranker("slow", (passages, token) =>
        {
            cancellation.Cancel();
            token.ThrowIfCancellationRequested();
            return new float[passages.Count];
        });
        var retriever = new HybridRetriever(_embeddings, _vectors, options: null, reranker);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => retriever.SearchAsync("shared topic passage", 5, Docs, cancellation.Token));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public void Constructor_RerankCandidatesOutOfRange_Throws(int candidates)
    {
        Assert.ThrowsAny<ArgumentException>(() => new HybridRetriever(_embeddings, _vectors, new HybridRetrieverOptions { RerankCandidates = candidates }));
    }

    [Fact]
    public async Task SearchAsync_CrossEncoderOverHybridIndex_OrdersByItsScores()
    {
        ChunkRecord[] chunks =
        [
            Chunk("c1", "Run cpupower frequency-set -g performance to pin the governor."),
            Chunk("c2", "Turbo boost changes the clock speed during a benchmark run."),
            Chunk("c3", "The frequency governor decides how fast the cpu clock runs."),
            Chunk("c4", "Web content should not be owned by the web server user."),
            Chunk("c5", "Benchmark latency varies between runs on a noisy machine."),
            Chunk("c6", "Pin benchmark threads to cores so the scheduler does not move them."),
            Chunk("c7", "The cat slept on the warm windowsill all afternoon."),
            Chunk("c8", "Invoices must be filed with the tax office before March."),
        ];
        var keywords = _database.OpenIndex();
        await keywords.UpsertAsync(chunks);
        var vectors = await _embeddings.GenerateAsync(chunks.Select(chunk => chunk.Text));
        await _vectors.UpsertAsync(chunks.Select((chunk, i) => new ChunkVector(chunk, vectors[i].Vector)).ToList());
        var index = new EmbeddedIndex(_vectors, keywords);
        const string query = "which governor keeps the cpu frequency fixed during a benchmark";
        var fused = await new HybridRetriever(_embeddings, index).SearchAsync(query, 6, Docs);
        var scores = await fixture.Reranker.ScoreAsync(query, fused.Select(hit => hit.Chunk.Text).ToArray());

        var retriever = new HybridRetriever(_embeddings, index, new HybridRetrieverOptions { RerankCandidates = 6 }, fixture.Reranker);
        var hits = await retriever.SearchAsync(query, 3, Docs);

        var expected = fused.Select((hit, i) => (hit.Chunk.Id, Score: scores[i])).OrderByDescending(x => x.Score).Take(3).ToArray();
        Assert.Equal(expected.Select(x => x.Id), hits.Select(hit => hit.Chunk.Id));
        Assert.Equal(expected.Select(x => (double)x.Score), hits.Select(hit => hit.Score));
        Assert.Equal(fixture.Reranker.ModelId, retriever.RerankerId);
    }

    private static int Number(string text) => int.Parse(text.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture);

    private async Task IndexAsync(int count)
    {
        var chunks = Enumerable.Range(0, count)
            .Select(i => Chunk($"c{i:00}", $"shared topic passage {(i % 3 == 0 ? "extra words " : string.Empty)}{i}"))
            .ToArray();
        var vectors = await _embeddings.GenerateAsync(chunks.Select(chunk => chunk.Text));
        await _vectors.UpsertAsync(chunks.Select((chunk, i) => new ChunkVector(chunk, vectors[i].Vector)).ToList());
    }
}
