using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>The pipeline over real components: real model, real SQLite, real files in a temporary data directory.</summary>
public sealed class IngestionPipelineTests : IDisposable
{
    private const string Set = "docs";
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task Ingest_SameBytesTwice_SecondIsUnchangedAndChunksAreNotDuplicated()
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();
        var path = TestCorpus.Pdf("lppl-1.3c.pdf");

        var first = await ingestor.IngestFileAsync(Set, path);
        var keywordHits = await CountKeywordHitsAsync(services, first.DocumentId!, "work");
        var second = await ingestor.IngestFileAsync(Set, path);

        Assert.Equal(IngestionStatus.Ingested, first.Status);
        Assert.Equal(IngestionStatus.Unchanged, second.Status);
        Assert.Equal(first.DocumentId, second.DocumentId);
        Assert.Equal(first.Chunks, await CountVectorsAsync(services, first.DocumentId!));
        Assert.True(keywordHits > 0);
        Assert.Equal(keywordHits, await CountKeywordHitsAsync(services, first.DocumentId!, "work"));
        Assert.Single(services.GetRequiredService<IDocumentCatalog>().List(Set));
    }

    [Fact]
    public async Task Ingest_ChangedFileUnderSameName_ReplacesOldVersion()
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();
        var first = await IngestTextAsync(ingestor, "notes.md", "# Notes\n\nThe harbour master keeps the tide tables in the blue cabinet.");
        var second = await IngestTextAsync(ingestor, "notes.md", "# Notes\n\nThe lighthouse keeper stores spare lamps in the cellar.");

        Assert.Equal(IngestionStatus.Ingested, first.Status);
        Assert.Equal(IngestionStatus.Replaced, second.Status);
        var documents = services.GetRequiredService<IDocumentCatalog>().List(Set);
        Assert.Equal(second.DocumentId, Assert.Single(documents).Id);
        Assert.Equal(0, await CountVectorsAsync(services, first.DocumentId!));
        var hits = await services.GetRequiredService<QueryService>().SearchAsync(new SearchFilter(Set), "tide tables harbour", 5);
        Assert.All(hits.Results, hit => Assert.Equal(second.DocumentId, hit.DocumentId));
        Assert.Single(Directory.GetFiles(Path.Combine(_directory.Path, "originals"), "*", SearchOption.AllDirectories));
    }

    [Theory]
    [InlineData("broken.pdf", "%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage")]
    [InlineData("empty.txt", "")]
    [InlineData("image.png", "\u0089PNG")]
    public async Task Ingest_BadFile_FailsWithReasonAndLeavesNothing(string name, string content)
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();

        var outcome = await IngestTextAsync(ingestor, name, content);

        Assert.Equal(IngestionStatus.Failed, outcome.Status);
        Assert.StartsWith(name, outcome.Error, StringComparison.Ordinal);
        Assert.Empty(services.GetRequiredService<IDocumentCatalog>().List(Set));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory.Path, "originals"), "*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Ingest_BatchWithBadFile_GoodFilesStillIngested()
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();

        var good = await ingestor.IngestFileAsync(Set, Path.Combine(TestCorpus.Mixed, "reducing_variance.md"));
        var bad = await IngestTextAsync(ingestor, "bad.docx", "not a zip");
        var alsoGood = await ingestor.IngestFileAsync(Set, Path.Combine(TestCorpus.Mixed, "users-and-groups.html"));

        Assert.True(good.Succeeded);
        Assert.False(bad.Succeeded);
        Assert.True(alsoGood.Succeeded);
        Assert.Equal(2, services.GetRequiredService<IDocumentCatalog>().List(Set).Count);
    }

    [Fact]
    public async Task Ingest_OverSizeLimit_Refused()
    {
        await using var services = new ServiceCollection().AddLogging()
            .AddQwenRag(new DataDirectory(_directory.Path), new IngestionOptions { MaxFileBytes = 1024 })
            .BuildServiceProvider();

        var outcome = await services.GetRequiredService<DocumentIngestor>().IngestFileAsync(Set, TestCorpus.Pdf("yarn.pdf"));

        Assert.Equal(IngestionStatus.Failed, outcome.Status);
        Assert.Contains("larger than", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_AfterInterruptedIndexing_CompletesWithExactlyOneCopyOfEachChunk()
    {
        string documentId;
        int partial;
        await using (var services = Start())
        {
            // Cancel after the first batch: the document is left half-written and marked Indexing, like a crash.
            var ingestor = services.GetRequiredService<DocumentIngestor>();
            using var cancellation = new CancellationTokenSource();
            var progress = new SynchronousProgress(p =>
            {
                if (p.Stage == "embedding")
                {
                    cancellation.Cancel();
                }
            });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(
                () => ingestor.IngestFileAsync(Set, TestCorpus.Pdf("yarn.pdf"), progress: progress, cancellationToken: cancellation.Token));
            var interrupted = Assert.Single(services.GetRequiredService<IDocumentCatalog>().ListInterrupted());
            documentId = interrupted.Id;
            partial = await CountVectorsAsync(services, documentId);
        }

        await using (var restarted = Start())
        {
            var outcomes = await restarted.GetRequiredService<DocumentIngestor>().ResumeInterruptedAsync();

            var outcome = Assert.Single(outcomes);
            Assert.Equal(IngestionStatus.Ingested, outcome.Status);
            Assert.InRange(partial, 1, outcome.Chunks - 1);
            Assert.Equal(outcome.Chunks, await CountVectorsAsync(restarted, documentId));
            Assert.Equal(DocumentStatus.Ready, restarted.GetRequiredService<IDocumentCatalog>().Find(Set, documentId)!.Status);
            Assert.Empty(restarted.GetRequiredService<IDocumentCatalog>().ListInterrupted());
        }
    }

    [Fact]
    public async Task Delete_Document_RemovedFromEveryIndexAndOriginalDeleted()
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();
        var outcome = await ingestor.IngestFileAsync(Set, TestCorpus.Pdf("lppl-1.3c.pdf"));

        Assert.True(await ingestor.DeleteDocumentAsync(Set, outcome.DocumentId!));

        Assert.Equal(0, await CountVectorsAsync(services, outcome.DocumentId!));
        Assert.Equal(0, await CountKeywordHitsAsync(services, outcome.DocumentId!, "work"));
        Assert.Empty(services.GetRequiredService<IDocumentCatalog>().List(Set));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory.Path, "originals"), "*", SearchOption.AllDirectories));
        Assert.False(await ingestor.DeleteDocumentAsync(Set, outcome.DocumentId!));
    }

    [Fact]
    public async Task Reindex_Set_RebuildsFromOriginalsWithSameChunkCount()
    {
        await using var services = Start();
        var ingestor = services.GetRequiredService<DocumentIngestor>();
        var outcome = await ingestor.IngestFileAsync(Set, TestCorpus.Pdf("lppl-1.3c.pdf"));

        var reindexed = Assert.Single(await ingestor.ReindexSetAsync(Set));

        Assert.Equal(outcome.Chunks, reindexed.Chunks);
        Assert.Equal(outcome.Chunks, await CountVectorsAsync(services, outcome.DocumentId!));
    }

    private ServiceProvider Start() =>
        new ServiceCollection().AddLogging().AddQwenRag(new DataDirectory(_directory.Path)).BuildServiceProvider();

    private static Task<IngestionOutcome> IngestTextAsync(DocumentIngestor ingestor, string name, string content) =>
        ingestor.IngestAsync(Set, name, new MemoryStream(System.Text.Encoding.Latin1.GetBytes(content)));

    private static async Task<int> CountVectorsAsync(IServiceProvider services, string documentId)
    {
        var query = await services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateVectorAsync("text");
        var hits = await services.GetRequiredService<IVectorStore>().SearchAsync(
            query, 10_000, new SearchFilter(Set) { DocumentIds = [documentId] });
        return hits.Select(hit => hit.Chunk.Id).Distinct().Count() == hits.Count ? hits.Count : -1;
    }

    private static async Task<int> CountKeywordHitsAsync(IServiceProvider services, string documentId, string word)
    {
        var hits = await services.GetRequiredService<IKeywordIndex>().SearchAsync(
            word, 10_000, new SearchFilter(Set) { DocumentIds = [documentId] });
        return hits.Count;
    }

    /// <summary>Reports on the caller's thread, so a cancel in the callback lands before the next batch.</summary>
    private sealed class SynchronousProgress(Action<IngestionProgress> report) : IProgress<IngestionProgress>
    {
        public void Report(IngestionProgress value) => report(value);
    }
}
