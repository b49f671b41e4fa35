using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Fusion;
using static QwenRag.Retrieval.Tests.KeywordTestDatabase;

namespace QwenRag.Retrieval.Tests;

/// <summary>The real keyword index and the real all-MiniLM-L6-v2 embeddings over an in-test vector store.</summary>
public sealed class HybridRetrieverTests(HybridMiniLmFixture fixture) : IClassFixture<HybridMiniLmFixture>, IDisposable
{
    private static readonly SearchFilter Docs = new("docs");

    private readonly KeywordTestDatabase _database = new();
    private readonly SentenceEmbeddingGenerator _embeddings = fixture.Embeddings;
    private readonly ListVectorStore _vectors = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task SearchAsync_ChunkFoundByBothSearches_RanksFirstWithFusedScore()
    {
        var keywords = _database.OpenIndex();
        ChunkRecord[] chunks =
        [
            Chunk("c1", "The frequency governor is set to performance with cpupower."),
            Chunk("c2", "Turbo boost changes the clock speed during a benchmark run."),
            Chunk("c3", "Web content should not be owned by the web server user."),
        ];
        await IndexAsync(keywords, chunks, vectorsFor: chunks);
        var retriever = Retriever(keywords);

        var hits = await retriever.SearchAsync("Which command sets the frequency governor?", 3, Docs);

        var fusion = new FusionOptions();
        Assert.Equal("c1", hits[0].Chunk.Id.Name());
        Assert.Equal((fusion.DenseWeight + fusion.KeywordWeight) / (fusion.RrfK + 1), hits[0].Score, 1e-12);
        Assert.True(hits.Count <= 3);
    }

    [Fact]
    public async Task SearchAsync_ChunkOnlyInKeywordIndex_IsStillReturned()
    {
        var keywords = _database.OpenIndex();
        var dense = Chunk("d1", "Latency varies between benchmark runs on a noisy machine.");
        var keywordOnly = Chunk("k1", "Run cpupower frequency-set to pin the governor.");
        await IndexAsync(keywords, [dense, keywordOnly], vectorsFor: [dense]);
        var retriever = Retriever(keywords);

        var hits = await retriever.SearchAsync("cpupower governor", 10, Docs);

        Assert.Contains(hits, hit => hit.Chunk.Id.Name() == "k1");
        Assert.Equal(hits.OrderByDescending(hit => hit.Score).Select(hit => hit.Chunk.Id.Name()), hits.Select(hit => hit.Chunk.Id.Name()));
    }

    [Fact]
    public async Task SearchAsync_NoSharedWords_FindsChunkThroughEmbeddings()
    {
        var keywords = _database.OpenIndex();
        ChunkRecord[] chunks =
        [
            Chunk("cpu", "Pin the CPU frequency governor to performance so clock rates stay fixed."),
            Chunk("cat", "The cat slept on the warm windowsill all afternoon."),
            Chunk("tax", "Invoices must be filed with the tax office before the end of March."),
        ];
        await IndexAsync(keywords, chunks, vectorsFor: chunks);
        var retriever = Retriever(keywords);

        var hits = await retriever.SearchAsync("keeping processor speed constant", 3, Docs);

        Assert.Equal("cpu", hits[0].Chunk.Id.Name());
    }

    [Fact]
    public async Task SearchAsync_Top_LimitsResults()
    {
        var keywords = _database.OpenIndex();
        var chunks = Enumerable.Range(0, 30).Select(i => Chunk($"c{i:00}", $"shared topic sentence number {i}")).ToArray();
        await IndexAsync(keywords, chunks, vectorsFor: chunks);
        var retriever = Retriever(keywords, new HybridRetrieverOptions { CandidatesPerList = 10 });

        var hits = await retriever.SearchAsync("shared topic", 4, Docs);

        Assert.Equal(4, hits.Count);
        Assert.Equal(hits.Count, hits.Select(hit => hit.Chunk.Id.Name()).Distinct().Count());
    }

    [Fact]
    public async Task SearchAsync_Filter_AppliesToBothSearches()
    {
        var keywords = _database.OpenIndex();
        ChunkRecord[] chunks =
        [
            Chunk("a1", "passkey retrieval accuracy", document: "a"),
            Chunk("b1", "passkey retrieval accuracy", document: "b"),
            Chunk("x1", "passkey retrieval accuracy", set: "other"),
        ];
        await IndexAsync(keywords, chunks, vectorsFor: chunks);
        var retriever = Retriever(keywords);
        var filter = Docs with { DocumentIds = ["b"] };

        var hits = await retriever.SearchAsync("passkey accuracy", 10, filter);

        Assert.Equal("b1", Assert.Single(hits).Chunk.Id.Name());
        Assert.Same(filter, _vectors.LastFilter);
    }

    [Fact]
    public async Task SearchAsync_DenseAndKeyword_RunConcurrently()
    {
        var keywordStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var keywords = new SignallingKeywordIndex(_database.OpenIndex(), keywordStarted);
        var chunk = Chunk("c1", "concurrent searches");
        await IndexAsync(keywords, [chunk], vectorsFor: [chunk]);

        // The dense search waits for the keyword search to have started: sequential code would time out here.
        _vectors.BeforeSearch = () => keywordStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var retriever = Retriever(keywords);

        var hits = await retriever.SearchAsync("concurrent", 5, Docs);

        Assert.Equal("c1", Assert.Single(hits).Chunk.Id.Name());
    }

    [Theory]
    [InlineData("", 5)]
    [InlineData("   ", 5)]
    [InlineData("query", 0)]
    [InlineData("query", 101)]
    public async Task SearchAsync_InvalidArguments_ThrowArgumentException(string query, int top)
    {
        var retriever = Retriever(_database.OpenIndex());

        await Assert.ThrowsAnyAsync<ArgumentException>(() => retriever.SearchAsync(query, top, Docs));
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        var index = new EmbeddedIndex(_vectors, _database.OpenIndex());

        Assert.ThrowsAny<ArgumentException>(() => new HybridRetriever(_embeddings, index, new HybridRetrieverOptions { CandidatesPerList = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new HybridRetriever(_embeddings, index, new HybridRetrieverOptions { CandidatesPerList = -3 }));
    }

    [Fact]
    public async Task SearchAsync_StoreWithoutHybridSearch_AnswersFromDenseSearchAlone()
    {
        var keywords = _database.OpenIndex();
        var dense = Chunk("d1", "Latency varies between benchmark runs on a noisy machine.");
        var keywordOnly = Chunk("k1", "Run cpupower frequency-set to pin the governor.");
        await IndexAsync(keywords, [dense, keywordOnly], vectorsFor: [dense]);
        Assert.IsNotAssignableFrom<IHybridSearch>(_vectors);
        var retriever = new HybridRetriever(_embeddings, _vectors);

        var hits = await retriever.SearchAsync("cpupower governor", 10, Docs);

        // Only the vector store was asked: the keyword-only chunk is missing and the score is the cosine, not RRF.
        Assert.Same(Docs, _vectors.LastFilter);
        var query = await _embeddings.GenerateVectorAsync("cpupower governor");
        var expected = await _vectors.SearchAsync(query, 10, Docs);
        var hit = Assert.Single(hits);
        Assert.Equal("d1", hit.Chunk.Id.Name());
        Assert.Equal(Assert.Single(expected).Score, hit.Score, 1e-6);
    }

    private HybridRetriever Retriever(IKeywordIndex keywords, HybridRetrieverOptions? options = null, FusionOptions? fusion = null) =>
        new(_embeddings, new EmbeddedIndex(_vectors, keywords, fusion), options);

    private async Task IndexAsync(IKeywordIndex keywords, IReadOnlyList<ChunkRecord> chunks, IReadOnlyList<ChunkRecord> vectorsFor)
    {
        await keywords.UpsertAsync(chunks);
        var vectors = await _embeddings.GenerateAsync(vectorsFor.Select(chunk => chunk.Text));
        await _vectors.UpsertAsync(vectorsFor.Select((chunk, i) => new ChunkVector(chunk, vectors[i].Vector)).ToList());
    }

    private sealed class SignallingKeywordIndex(IKeywordIndex inner, TaskCompletionSource started) : IKeywordIndex
    {
        public Task UpsertAsync(IReadOnlyList<ChunkRecord> chunks, CancellationToken cancellationToken = default) =>
            inner.UpsertAsync(chunks, cancellationToken);

        public Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default) =>
            inner.DeleteDocumentAsync(set, documentId, cancellationToken);

        public Task DeleteSetAsync(string set, CancellationToken cancellationToken = default) =>
            inner.DeleteSetAsync(set, cancellationToken);

        public Task<IReadOnlyList<ScoredChunk>> SearchAsync(
            string query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
        {
            started.TrySetResult();
            return inner.SearchAsync(query, top, filter, cancellationToken);
        }
    }
}
