using Qdrant.Client.Grpc;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>How a collection that does not fit the embedding model is reported: both sides named.</summary>
public sealed class QdrantCollectionsTests : IDisposable
{
    private static readonly EmbeddingModel Model = new("all-MiniLM-L6-v2", 384);

    private readonly QdrantConnection _connection = new(FakeQdrant.Options(), new FakeCallInvoker());
    private readonly QdrantCollections _collections;
    private readonly string _name = QdrantRequests.CollectionName("qwenrag", Model.Name, Model.Dimensions);

    public QdrantCollectionsTests() => _collections = new QdrantCollections(_connection, FakeQdrant.Options());

    public void Dispose() => _connection.Dispose();

    [Fact]
    public void Mismatch_CollectionBuiltForTheModel_IsNull() =>
        Assert.Null(_collections.Mismatch(_name, Parameters(384), Model));

    [Fact]
    public void Mismatch_WrongSize_NamesBothSizes()
    {
        var message = _collections.Mismatch(_name, Parameters(768), Model);

        Assert.NotNull(message);
        Assert.Contains($"collection '{_name}' has a 'dense' vector of 768 dimensions", message, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2 needs a 'dense' vector of 384 dimensions", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_WrongDistance_NamesBothDistances()
    {
        var parameters = Parameters(384);
        parameters.VectorsConfig.ParamsMap.Map["dense"].Distance = Distance.Dot;

        var message = _collections.Mismatch(_name, parameters, Model);

        Assert.NotNull(message);
        Assert.Contains("with Dot distance", message, StringComparison.Ordinal);
        Assert.Contains("with Cosine distance", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_NoSparseVector_SaysSoAndWhatIsNeeded()
    {
        var parameters = Parameters(384);
        parameters.SparseVectorsConfig = null;

        var message = _collections.Mismatch(_name, parameters, Model);

        Assert.NotNull(message);
        Assert.Contains("no 'bm25' sparse vector", message, StringComparison.Ordinal);
        Assert.Contains("a 'bm25' sparse vector with the Idf modifier", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_SparseWithoutIdf_NamesTheModifier()
    {
        var parameters = Parameters(384);
        parameters.SparseVectorsConfig.Map["bm25"].Modifier = Modifier.None;

        var message = _collections.Mismatch(_name, parameters, Model);

        Assert.NotNull(message);
        Assert.Contains("sparse vector with modifier None", message, StringComparison.Ordinal);
        Assert.Contains("with the Idf modifier", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_NoDenseVector_SaysSo()
    {
        var parameters = Parameters(384);
        parameters.VectorsConfig = new VectorsConfig { Params = new VectorParams { Size = 384, Distance = Distance.Cosine } };

        var message = _collections.Mismatch(_name, parameters, Model);

        Assert.NotNull(message);
        Assert.Contains("has no 'dense' vector", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mismatch_AnotherModelsCollection_NamesCollectionAliasAndModel()
    {
        var other = QdrantRequests.CollectionName("qwenrag", "bge-small-en", 384);

        var message = _collections.Mismatch(other, Parameters(384), Model);

        Assert.NotNull(message);
        Assert.Contains($"alias 'qwenrag' points at collection '{other}'", message, StringComparison.Ordinal);
        Assert.Contains("all-MiniLM-L6-v2 (384 dimensions)", message, StringComparison.Ordinal);
        Assert.Contains("reindex --embedding all-MiniLM-L6-v2", message, StringComparison.Ordinal);
    }

    private static CollectionParams Parameters(int dimensions) =>
        FakeQdrant.Parameters(QdrantRequests.CreateCollection("any", dimensions, new QdrantOptions()));
}
