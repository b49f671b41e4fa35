using System.Text;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>
/// <c>QwenRag:Ingestion:EmbedContext</c> through the real pipeline and model: the generator is handed title, heading
/// and chunk; the stored, keyword-indexed text is the chunk alone; re-indexing embeds the same way; off embeds the chunk.
/// </summary>
public sealed class EmbedContextTests : IDisposable
{
    private const string Set = "docs";
    private const string Page =
        "<html><head><title>Harbour Manual</title></head><body><h2>Tides</h2><p>High water comes at noon and low water at six.</p></body></html>";

    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(ChunkContextParts.TitleAndHeading, "Harbour Manual\nTides\n")]
    [InlineData(ChunkContextParts.Heading, "Tides\n")]
    [InlineData(ChunkContextParts.Title, "Harbour Manual\n")]
    [InlineData(ChunkContextParts.FileName | ChunkContextParts.Heading, "manual\nTides\n")]
    [InlineData(ChunkContextParts.FileName | ChunkContextParts.TitleAndHeading, "manual\nHarbour Manual\nTides\n")]
    public async Task Ingest_Context_EmbedsTheChosenPartsStoresChunkOnly(ChunkContextParts parts, string embeddedBefore)
    {
        var options = new IngestionOptions { EmbedContext = parts };
        await using var services = Start(options);
        var (ingestor, recorded) = Recording(services, options);

        var outcome = await ingestor.IngestAsync(Set, "manual.html", new MemoryStream(Encoding.UTF8.GetBytes(Page)));

        Assert.Equal(IngestionStatus.Ingested, outcome.Status);
        var stored = Assert.Single(await StoredAsync(services, outcome.DocumentId!));
        Assert.Equal("Tides\n\nHigh water comes at noon and low water at six.", stored.Text);
        Assert.Equal([embeddedBefore + stored.Text], recorded);
        Assert.Empty(await services.GetRequiredService<IKeywordIndex>().SearchAsync("harbour", 10, new SearchFilter(Set)));
        Assert.NotEmpty(await services.GetRequiredService<IKeywordIndex>().SearchAsync("tides", 10, new SearchFilter(Set)));

        recorded.Clear();
        var reindexed = Assert.Single(await ingestor.ReindexSetAsync(Set));

        Assert.Equal(IngestionStatus.Ingested, reindexed.Status);
        Assert.Equal([embeddedBefore + stored.Text], recorded);
    }

    [Theory]
    [InlineData("FileName, Heading", ChunkContextParts.FileName | ChunkContextParts.Heading)]
    [InlineData("Off", ChunkContextParts.Off)]
    [InlineData(null, ChunkContextParts.FileName)]
    public void Configuration_NamesTheParts(string? value, ChunkContextParts expected)
    {
        var settings = new Dictionary<string, string?>();
        if (value is not null)
        {
            settings["QwenRag:Ingestion:EmbedContext"] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();

        Assert.Equal(expected, IngestionConfiguration.Read(configuration).EmbedContext);
    }

    [Fact]
    public void Configuration_UnknownPart_IsAnErrorNamingTheSetting()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["QwenRag:Ingestion:EmbedContext"] = "64" })
            .Build();

        var error = Assert.Throws<OptionsValidationException>(() => IngestionConfiguration.Read(configuration));
        Assert.Contains("QwenRag:Ingestion:EmbedContext must be Off or a list of FileName, Title, Heading", error.Message);
    }

    [Fact]
    public async Task Ingest_ContextOff_EmbedsTheChunkAsStored()
    {
        var off = new IngestionOptions { EmbedContext = ChunkContextParts.Off };
        await using var services = Start(off);
        var (ingestor, recorded) = Recording(services, off);

        var outcome = await ingestor.IngestAsync(Set, "manual.html", new MemoryStream(Encoding.UTF8.GetBytes(Page)));

        var stored = Assert.Single(await StoredAsync(services, outcome.DocumentId!));
        Assert.Equal([stored.Text], recorded);
    }

    private ServiceProvider Start(IngestionOptions options) =>
        new ServiceCollection().AddLogging().AddQwenRag(new DataDirectory(_directory.Path), options).BuildServiceProvider();

    // The host's own parts around a generator that records what it is handed.
    private static (DocumentIngestor Ingestor, List<string> Recorded) Recording(IServiceProvider services, IngestionOptions options)
    {
        var recorded = new List<string>();
        var embedder = new RecordingGenerator(services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(), recorded);
        var ingestor = new DocumentIngestor(
            services.GetRequiredService<IBlobStore>(),
            services.GetRequiredService<IDocumentCatalog>(),
            services.GetRequiredService<DocumentExtractors>(),
            services.GetRequiredService<Chunker>(),
            embedder,
            services.GetRequiredService<IVectorStore>(),
            options);
        return (ingestor, recorded);
    }

    private static async Task<List<ChunkRecord>> StoredAsync(IServiceProvider services, string documentId)
    {
        var query = await services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>().GenerateVectorAsync("water");
        var hits = await services.GetRequiredService<IVectorStore>().SearchAsync(query, 100, new SearchFilter(Set) { DocumentIds = [documentId] });
        return [.. hits.Select(hit => hit.Chunk)];
    }

    private sealed class RecordingGenerator(IEmbeddingGenerator<string, Embedding<float>> inner, List<string> recorded)
        : DelegatingEmbeddingGenerator<string, Embedding<float>>(inner)
    {
        public override Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
            IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
        {
            var texts = values.ToList();
            recorded.AddRange(texts);
            return base.GenerateAsync(texts, options, cancellationToken);
        }
    }
}
