using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Retrieval.Tests.Contract;

/// <summary>
/// The contract against a real Qdrant at <c>QDRANT_URL</c>, through <see cref="QdrantVectorStore"/>; every test is
/// skipped when the variable is not set. Each test gets its own alias (and so its own collection), dropped at the end.
/// </summary>
public sealed class QdrantContractTests : VectorStoreContract
{
    private static readonly EmbeddingModel Model = new("contract-test", Dimensions);

    private QdrantConnection? _connection;
    private Bm25SparseEncoder? _sparse;
    private QdrantOptions? _options;

    [QdrantFact]
    public override Task Upsert_Chunks_AreSearchableWithEveryField() => base.Upsert_Chunks_AreSearchableWithEveryField();

    [QdrantFact]
    public override Task Upsert_SameChunksAgain_KeepsTheCountAndTakesTheNewText() => base.Upsert_SameChunksAgain_KeepsTheCountAndTakesTheNewText();

    [QdrantFact]
    public override Task DeleteDocument_RemovesOnlyThatDocumentOfThatSet() => base.DeleteDocument_RemovesOnlyThatDocumentOfThatSet();

    [QdrantFact]
    public override Task DeleteSet_RemovesOnlyThatSet() => base.DeleteSet_RemovesOnlyThatSet();

    [QdrantFact]
    public override Task Filter_Set_SeesOnlyItsOwnChunks() => base.Filter_Set_SeesOnlyItsOwnChunks();

    [QdrantFact]
    public override Task Filter_Documents_KeepsAnyOfThem() => base.Filter_Documents_KeepsAnyOfThem();

    [QdrantFact]
    public override Task Filter_Tags_KeepsChunksWithAllOfThem() => base.Filter_Tags_KeepsChunksWithAllOfThem();

    [QdrantFact]
    public override Task Search_TopK_NearestFirst() => base.Search_TopK_NearestFirst();

    [QdrantFact]
    public override Task Hybrid_ChunkThatOnlyMatchesKeywords_IsFound() => base.Hybrid_ChunkThatOnlyMatchesKeywords_IsFound();

    [QdrantFact]
    public override Task Hybrid_ChunkInBothLists_RanksFirstAndTopLimits() => base.Hybrid_ChunkInBothLists_RanksFirstAndTopLimits();

    [QdrantFact]
    public override Task Hybrid_Filter_AppliesToBothLists() => base.Hybrid_Filter_AppliesToBothLists();

    [QdrantFact]
    public override Task EnsureSet_AnotherDimension_IsRefused() => base.EnsureSet_AnotherDimension_IsRefused();

    [QdrantFact]
    public override Task Upsert_WrongDimension_IsRefused() => base.Upsert_WrongDimension_IsRefused();

    protected override async Task<IVectorStore> OpenAsync()
    {
        _options = new QdrantOptions
        {
            Url = QdrantFactAttribute.Url ?? throw new InvalidOperationException(QdrantFactAttribute.SkipReason),
            Alias = "qwenrag-contract-" + Guid.NewGuid().ToString("N"),
            MaxRetries = 2,
            RetryDelay = TimeSpan.FromMilliseconds(50),
            MaxRetryDelay = TimeSpan.FromMilliseconds(200),
        };
        _connection = new QdrantConnection(_options);
        _sparse = new Bm25SparseEncoder(averageChunkLength: 8);
        var store = new QdrantVectorStore(_connection, _options, _sparse, Model);
        await store.InitializeAsync();
        return store;
    }

    protected override async Task CloseAsync(IVectorStore store)
    {
        try
        {
            if (_connection is not null && _options is not null)
            {
                var collections = new QdrantCollections(_connection, _options);
                if (await collections.FindAliasTargetAsync(CancellationToken.None) is { } collection)
                {
                    await collections.DropAsync(collection, CancellationToken.None);
                }
            }
        }
        finally
        {
            _connection?.Dispose();
            _sparse?.Dispose();
        }
    }
}
