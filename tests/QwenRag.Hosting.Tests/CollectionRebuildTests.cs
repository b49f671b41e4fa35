using Grpc.Core;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Hosting.Qdrant;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Retrieval.Embeddings;
using QwenRag.Retrieval.Qdrant;
using QwenRag.Retrieval.Tests.Qdrant;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>
/// <c>qwenrag reindex --embedding</c>: real documents (catalog, originals, MiniLM) rebuilt into a new collection
/// beside the live one on the scripted Qdrant, then one atomic alias switch and the old collection dropped; a
/// failing rebuild switches nothing.
/// </summary>
public sealed class CollectionRebuildTests : IAsyncLifetime
{
    private const string Old = "qwenrag-all-minilm-l6-v2-384";
    private readonly TemporaryDirectory _directory = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        // Built with MiniLM, as the live collection's name says.
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["QwenRag:Embedding:Model"] = "minilm" })
            .Build();
        _services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration)
            .AddQwenRag(new DataDirectory(_directory.Path)).BuildServiceProvider();
        var ingestor = _services.GetRequiredService<DocumentIngestor>();
        Assert.True((await ingestor.IngestFileAsync("docs", TestCorpus.MixedFile("reducing_variance.md"))).Succeeded);
        Assert.True((await ingestor.IngestFileAsync("notes", TestCorpus.MixedFile("users-and-groups.html"))).Succeeded);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        _directory.Dispose();
    }

    [Fact]
    public async Task Rebuild_SameModel_NewCollectionFilledThenOneAliasSwitchThenOldDropped()
    {
        var invoker = Server();
        var report = await Rebuild(invoker).RunAsync("all-MiniLM-L6-v2");

        Assert.True(report.Switched);
        Assert.Equal(Old, report.Previous);
        Assert.StartsWith(Old + "-", report.Collection, StringComparison.Ordinal);
        var created = Assert.Single(invoker.Requests<CreateCollection>());
        Assert.Equal(report.Collection, created.CollectionName);
        Assert.Equal(384UL, created.VectorsConfig.ParamsMap.Map[QdrantRequests.DenseVector].Size);

        var upserts = invoker.Requests<UpsertPoints>();
        Assert.NotEmpty(upserts);
        Assert.All(upserts, u => Assert.Equal(report.Collection, u.CollectionName));
        var catalog = _services.GetRequiredService<IDocumentCatalog>();
        Assert.Equal(catalog.ListSets().Sum(s => s.Chunks), upserts.Sum(u => u.Points.Count));

        var change = Assert.Single(invoker.Requests<ChangeAliases>());
        Assert.Equal(2, change.Actions.Count);
        Assert.Equal("qwenrag", change.Actions[0].DeleteAlias.AliasName);
        Assert.Equal(report.Collection, change.Actions[1].CreateAlias.CollectionName);
        Assert.Equal(Old, Assert.Single(invoker.Requests<DeleteCollection>()).CollectionName);
        Assert.True(invoker.Calls.ToList().FindIndex(c => c.Request is ChangeAliases) > invoker.Calls.ToList().FindLastIndex(c => c.Request is UpsertPoints));
    }

    [Fact]
    public async Task Rebuild_AnotherModel_CollectionNamedForItAndEverySetRecordsIt()
    {
        var invoker = Server();
        var catalog = _services.GetRequiredService<IDocumentCatalog>();
        Assert.All(catalog.ListSets(), s => Assert.Equal("all-MiniLM-L6-v2", s.EmbeddingModel));

        var report = await Rebuild(invoker).RunAsync("arctic-xs");

        Assert.True(report.Switched);
        Assert.Equal("qwenrag-snowflake-arctic-embed-xs-384", report.Collection);
        Assert.Equal(report.Collection, Assert.Single(invoker.Requests<CreateCollection>()).CollectionName);
        Assert.All(invoker.Requests<UpsertPoints>(), u => Assert.Equal(report.Collection, u.CollectionName));
        Assert.Equal(["docs", "notes"], catalog.ListSets().Select(s => s.Name));
        Assert.All(catalog.ListSets(), s => Assert.Equal("snowflake-arctic-embed-xs", s.EmbeddingModel));
    }

    [Fact]
    public async Task Rebuild_AnotherModelFailsMidway_SetsKeepTheirModel()
    {
        var invoker = Server().On<UpsertPoints>(_ => throw FakeQdrant.Error(StatusCode.Unavailable, "node down"));

        var report = await Rebuild(invoker).RunAsync("arctic-xs");

        Assert.False(report.Switched);
        Assert.All(
            _services.GetRequiredService<IDocumentCatalog>().ListSets(),
            s => Assert.Equal(new SetEmbedding("all-MiniLM-L6-v2", 384), _services.GetRequiredService<IDocumentCatalog>().FindSetEmbedding(s.Name)));
    }

    [Fact]
    public async Task Rebuild_QdrantFailsMidway_NothingSwitchedAndTheNewCollectionDropped()
    {
        var invoker = Server().On<UpsertPoints>(_ => throw FakeQdrant.Error(StatusCode.Unavailable, "node down"));
        var report = await Rebuild(invoker).RunAsync("all-MiniLM-L6-v2");

        Assert.False(report.Switched);
        Assert.Contains(report.Outcomes, o => !o.Succeeded && o.Cause is VectorStoreUnavailableException);
        Assert.Empty(invoker.Requests<ChangeAliases>());
        Assert.Equal(report.Collection, Assert.Single(invoker.Requests<DeleteCollection>()).CollectionName);
    }

    [Fact]
    public async Task Rebuild_ModelThisBuildCannotEmbedWith_RefusedNamingTheShippedOnes()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => Rebuild(Server()).RunAsync("text-embedding-3-large"));
        Assert.Contains("all-MiniLM-L6-v2 (minilm), snowflake-arctic-embed-xs (arctic-xs)", error.Message, StringComparison.Ordinal);
    }

    private static FakeCallInvoker Server()
    {
        var options = Options();
        var create = QdrantRequests.CreateCollection(Old, 384, options);
        return FakeQdrant.EmptyServer()
            .On<ListAliasesRequest>(_ => new ListAliasesResponse { Aliases = { new AliasDescription { AliasName = "qwenrag", CollectionName = Old } } })
            .On<GetCollectionInfoRequest>(request => FakeQdrant.Info(QdrantRequests.CreateCollection(request.CollectionName, 384, options)))
            .On<CollectionExistsRequest>(request => new CollectionExistsResponse { Result = new CollectionExists { Exists = request.CollectionName == create.CollectionName } })
            .On<DeleteCollection>(_ => new CollectionOperationResponse { Result = true });
    }

    private static QdrantOptions Options()
    {
        var options = FakeQdrant.Options(maxRetries: 1);
        options.Bm25AverageChunkLength = 90;
        return options;
    }

    private CollectionRebuild Rebuild(FakeCallInvoker invoker)
    {
        var options = Options();
        return new CollectionRebuild(
            _services.GetRequiredService<IBlobStore>(),
            _services.GetRequiredService<IDocumentCatalog>(),
            _services.GetRequiredService<DocumentExtractors>(),
            _services.GetRequiredService<Chunker>(),
            _services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>(),
            new QdrantConnection(options, invoker),
            Microsoft.Extensions.Options.Options.Create(options),
            new Bm25SparseEncoder(options.Bm25AverageChunkLength),
            _services.GetRequiredService<IngestionOptions>(),
            _services.GetRequiredService<EmbeddingModels>());
    }
}
