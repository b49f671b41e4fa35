using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>
/// The model recorded per set, end to end over one data directory with the two shipped models. Both are
/// 384-dimensional, so without the record a set built with one and searched with the other would silently return
/// nonsense; instead it is refused, and <c>reindex</c> with the other model switches it.
/// </summary>
public sealed class EmbeddingModelSwitchTests : IDisposable
{
    private const string Question = "How can benchmark variance be reduced?";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task SetOfOneModel_SearchedIngestedAndReindexedWithTheOther_RefusedThenSwitched()
    {
        await using (var minilm = Services("minilm"))
        {
            var outcome = await minilm.GetRequiredService<DocumentIngestor>().IngestFileAsync("docs", TestCorpus.MixedFile("reducing_variance.md"));
            Assert.True(outcome.Succeeded, outcome.Error);
            Assert.Equal(new SetEmbedding("all-MiniLM-L6-v2", 384), minilm.GetRequiredService<IDocumentCatalog>().FindSetEmbedding("docs"));
        }

        await using (var arctic = Services("arctic-xs"))
        {
            var query = arctic.GetRequiredService<QueryService>();
            var refused = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => query.SearchAsync(new SearchFilter("docs"), Question, 5));
            Assert.Contains("indexed with embedding model all-MiniLM-L6-v2, but this process embeds with snowflake-arctic-embed-xs", refused.Message, StringComparison.Ordinal);
            Assert.Contains("`qwenrag reindex --set docs --embedding snowflake-arctic-embed-xs`", refused.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => query.AskAsync("docs", Question));

            // A document for the MiniLM set fails on its own; the next one, for a new set, goes in with arctic.
            var ingestor = arctic.GetRequiredService<DocumentIngestor>();
            var mismatched = await ingestor.IngestFileAsync("docs", TestCorpus.MixedFile("users-and-groups.html"));
            Assert.False(mismatched.Succeeded);
            Assert.IsType<EmbeddingModelMismatchException>(mismatched.Cause);
            Assert.Contains("users-and-groups.html: Set 'docs' was indexed with embedding model all-MiniLM-L6-v2", mismatched.Error, StringComparison.Ordinal);
            Assert.True((await ingestor.IngestFileAsync("fresh", TestCorpus.MixedFile("users-and-groups.html"))).Succeeded);
            var catalog = arctic.GetRequiredService<IDocumentCatalog>();
            Assert.Equal(["reducing_variance.md"], catalog.List("docs").Select(d => d.Name));
            Assert.Equal(new SetEmbedding("snowflake-arctic-embed-xs", 384), catalog.FindSetEmbedding("fresh"));

            var reindexed = await ingestor.ReindexSetAsync("docs");

            Assert.All(reindexed, o => Assert.True(o.Succeeded, o.Error));
            Assert.Equal(new SetEmbedding("snowflake-arctic-embed-xs", 384), catalog.FindSetEmbedding("docs"));
            var hits = await query.SearchAsync(new SearchFilter("docs"), Question, 5);
            Assert.Equal("reducing_variance.md", hits.Results[0].Document);
            Assert.Equal(["docs", "fresh"], catalog.ListSets().Select(s => s.Name));
            Assert.All(catalog.ListSets(), s => Assert.Equal("snowflake-arctic-embed-xs", s.EmbeddingModel));
        }

        await using (var minilm = Services("minilm"))
        {
            await Assert.ThrowsAsync<EmbeddingModelMismatchException>(
                () => minilm.GetRequiredService<QueryService>().SearchAsync(new SearchFilter("docs"), Question, 5));
        }
    }

    [Fact]
    public async Task InterruptedSwitch_SetRefusedEvenToTheNewModelUntilReindexFinishesIt()
    {
        await using var arctic = Services("arctic-xs");
        var ingestor = arctic.GetRequiredService<DocumentIngestor>();
        Assert.True((await ingestor.IngestFileAsync("docs", TestCorpus.MixedFile("reducing_variance.md"))).Succeeded);
        var catalog = arctic.GetRequiredService<IDocumentCatalog>();

        // What a reindex killed half-way leaves: the switch begun, not finished.
        catalog.SwitchModel("docs", "all-MiniLM-L6-v2", 384);
        catalog.BeginModelSwitch("docs", "snowflake-arctic-embed-xs", 384);
        var query = arctic.GetRequiredService<QueryService>();
        var refused = await Assert.ThrowsAsync<EmbeddingModelMismatchException>(() => query.SearchAsync(new SearchFilter("docs"), Question, 5));
        Assert.Contains("is being re-embedded with snowflake-arctic-embed-xs", refused.Message, StringComparison.Ordinal);

        Assert.All(await ingestor.ReindexSetAsync("docs"), o => Assert.True(o.Succeeded, o.Error));

        Assert.Equal(new SetEmbedding("snowflake-arctic-embed-xs", 384), catalog.FindSetEmbedding("docs"));
        Assert.NotEmpty((await query.SearchAsync(new SearchFilter("docs"), Question, 5)).Results);
    }

    private ServiceProvider Services(string model)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["QwenRag:Embedding:Model"] = model })
            .Build();
        return new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddQwenRag(new DataDirectory(_directory.Path), compute: new ComputeOptions { EmbeddingThreads = 1 })
            .BuildServiceProvider();
    }
}
