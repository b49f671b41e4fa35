using Grpc.Core;
using Qdrant.Client.Grpc;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>Options, answers and errors for tests that talk to a <see cref="FakeCallInvoker"/> instead of a server.</summary>
internal static class FakeQdrant
{
    public const string Url = "http://qdrant.test:6334";

    public static readonly EmbeddingModel Model = new("test-model", 8);

    /// <summary>Fast retries (1 ms) so retry tests take no time.</summary>
    public static QdrantOptions Options(int maxRetries = 3) => new()
    {
        Url = Url,
        Alias = "qwenrag",
        MaxRetries = maxRetries,
        RetryDelay = TimeSpan.FromMilliseconds(1),
        MaxRetryDelay = TimeSpan.FromMilliseconds(2),
        Timeout = TimeSpan.FromMinutes(10),
    };

    public static RpcException Error(StatusCode code, string detail = "scripted failure") => new(new Status(code, detail));

    /// <summary>A server with no alias and no collection that accepts every write and finds nothing.</summary>
    public static FakeCallInvoker EmptyServer() => new FakeCallInvoker()
        .On<ListAliasesRequest>(_ => new ListAliasesResponse())
        .On<CollectionExistsRequest>(_ => new CollectionExistsResponse { Result = new CollectionExists { Exists = false } })
        .On<CreateCollection>(_ => new CollectionOperationResponse { Result = true })
        .On<CreateFieldIndexCollection>(_ => Completed())
        .On<ChangeAliases>(_ => new CollectionOperationResponse { Result = true })
        .On<UpsertPoints>(_ => Completed())
        .On<DeletePoints>(_ => Completed())
        .On<QueryPoints>(_ => new QueryResponse())
        .On<CountPoints>(_ => new CountResponse { Result = new CountResult { Count = 0 } })
        .On<HealthCheckRequest>(_ => new HealthCheckReply { Title = "qdrant", Version = "1.16.0" });

    /// <summary>A server whose alias already points at <paramref name="collection"/>, built with <paramref name="create"/>.</summary>
    public static FakeCallInvoker ServerWith(string collection, CreateCollection create) => EmptyServer()
        .On<ListAliasesRequest>(_ => new ListAliasesResponse
        {
            Aliases = { new AliasDescription { AliasName = "qwenrag", CollectionName = collection } },
        })
        .On<GetCollectionInfoRequest>(request => request.CollectionName == collection
            ? Info(create)
            : throw Error(StatusCode.NotFound, $"Collection {request.CollectionName} not found"));

    public static GetCollectionInfoResponse Info(CreateCollection create) => new()
    {
        Result = new CollectionInfo
        {
            Status = CollectionStatus.Green,
            Config = new CollectionConfig { Params = Parameters(create) },
        },
    };

    /// <summary>The parameters a collection created by <paramref name="create"/> reports.</summary>
    public static CollectionParams Parameters(CreateCollection create) => new()
    {
        VectorsConfig = create.VectorsConfig,
        SparseVectorsConfig = create.SparseVectorsConfig,
    };

    public static PointsOperationResponse Completed() =>
        new() { Result = new UpdateResult { Status = UpdateStatus.Completed } };
}
