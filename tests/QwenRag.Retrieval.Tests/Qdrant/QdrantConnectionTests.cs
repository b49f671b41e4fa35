using Grpc.Core;
using Qdrant.Client.Grpc;
using QwenRag.Core;
using QwenRag.Retrieval.Qdrant;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>Which gRPC statuses <see cref="QdrantConnection"/> retries, and what each ends as.</summary>
public sealed class QdrantConnectionTests
{
    private const string Operation = "listing aliases";

    private static readonly StatusCode[] Transient =
        [StatusCode.Unavailable, StatusCode.DeadlineExceeded, StatusCode.ResourceExhausted, StatusCode.Aborted];

    /// <summary>Every status but OK (never an error) and the four transient ones.</summary>
    private static readonly StatusCode[] Permanent =
        [.. Enum.GetValues<StatusCode>().Where(code => code != StatusCode.OK && !Transient.Contains(code))];

    public static TheoryData<StatusCode> TransientCodes => [.. Transient];

    public static TheoryData<StatusCode> PermanentCodes => [.. Permanent];

    [Fact]
    public void Classification_CoversEveryStatusCode()
    {
        var permanent = Permanent;

        Assert.Equal(Enum.GetValues<StatusCode>().Length - 1, Transient.Length + permanent.Length);
        Assert.All(Transient, code => Assert.True(QdrantConnection.IsTransient(code), code.ToString()));
        Assert.All(permanent, code => Assert.False(QdrantConnection.IsTransient(code), code.ToString()));
        Assert.Contains(StatusCode.InvalidArgument, permanent);
        Assert.Contains(StatusCode.NotFound, permanent);
        Assert.Contains(StatusCode.PermissionDenied, permanent);
        Assert.Contains(StatusCode.Unauthenticated, permanent);
        Assert.Contains(StatusCode.Cancelled, permanent);
    }

    [Theory]
    [MemberData(nameof(TransientCodes))]
    public async Task CallAsync_TransientStatus_RetriedUpToMaxRetriesThenUnavailable(StatusCode code)
    {
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(code, "server busy"));
        using var connection = new QdrantConnection(FakeQdrant.Options(maxRetries: 3), invoker);

        var error = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => ListAliasesAsync(connection));

        Assert.Equal(4, invoker.Calls.Count);
        Assert.Contains(FakeQdrant.Url, error.Message, StringComparison.Ordinal);
        Assert.Contains(Operation, error.Message, StringComparison.Ordinal);
        Assert.Contains(code.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("server busy", error.Message, StringComparison.Ordinal);
        Assert.Equal(code, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TransientCodes))]
    public async Task CallAsync_TransientThenSuccess_ReturnsTheSuccess(StatusCode code)
    {
        var success = new ListAliasesResponse { Aliases = { new AliasDescription { AliasName = "qwenrag", CollectionName = "c" } } };
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(code), FakeQdrant.Error(code), success);
        using var connection = new QdrantConnection(FakeQdrant.Options(maxRetries: 3), invoker);

        var response = await ListAliasesAsync(connection);

        Assert.Same(success, response);
        Assert.Equal(3, invoker.Calls.Count);
    }

    [Theory]
    [MemberData(nameof(PermanentCodes))]
    public async Task CallAsync_PermanentStatus_AttemptedOnceThenVectorStoreException(StatusCode code)
    {
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(code, "refused for a reason"), new ListAliasesResponse());
        using var connection = new QdrantConnection(FakeQdrant.Options(maxRetries: 3), invoker);

        var error = await Assert.ThrowsAsync<VectorStoreException>(() => ListAliasesAsync(connection));

        Assert.Single(invoker.Calls);
        Assert.Contains(FakeQdrant.Url, error.Message, StringComparison.Ordinal);
        Assert.Contains(Operation, error.Message, StringComparison.Ordinal);
        Assert.Contains(code.ToString(), error.Message, StringComparison.Ordinal);
        Assert.Contains("refused for a reason", error.Message, StringComparison.Ordinal);
        Assert.Equal(code, Assert.IsType<RpcException>(error.InnerException).StatusCode);
    }

    [Fact]
    public async Task CallAsync_NoRetriesConfigured_OneAttempt()
    {
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(StatusCode.Unavailable), new ListAliasesResponse());
        using var connection = new QdrantConnection(FakeQdrant.Options(maxRetries: 0), invoker);

        await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => ListAliasesAsync(connection));

        Assert.Single(invoker.Calls);
    }

    [Fact]
    public async Task CallAsync_RetryFalse_OneAttempt()
    {
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(StatusCode.Unavailable), new ListAliasesResponse());
        using var connection = new QdrantConnection(FakeQdrant.Options(maxRetries: 3), invoker);

        var error = await Assert.ThrowsAsync<VectorStoreUnavailableException>(() => connection.CallAsync(
            Operation, (c, deadline, token) => c.Collections.ListAliasesAsync(new ListAliasesRequest(), deadline: deadline, cancellationToken: token), CancellationToken.None, retry: false));

        Assert.Single(invoker.Calls);
        Assert.Contains("after 0 retries", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CallAsync_EveryAttempt_HasItsDeadline()
    {
        var invoker = new FakeCallInvoker().OnSequence<ListAliasesRequest>(FakeQdrant.Error(StatusCode.Unavailable), new ListAliasesResponse());
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);
        var before = DateTime.UtcNow;

        await ListAliasesAsync(connection);

        // Timeout is 10 minutes: each attempt's deadline lies that far past the moment it was sent.
        Assert.Equal(2, invoker.Calls.Count);
        Assert.All(invoker.Calls, call => Assert.True(call.Deadline >= before.AddMinutes(10), $"deadline {call.Deadline:O}"));
    }

    [Fact]
    public async Task CallAsync_AlreadyCanceled_OperationCanceled()
    {
        var invoker = new FakeCallInvoker().On<ListAliasesRequest>(_ => new ListAliasesResponse());
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListAliasesAsync(connection, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task CallAsync_CanceledDuringCall_OperationCanceledNotRetried()
    {
        using var cancellation = new CancellationTokenSource();
        var invoker = new FakeCallInvoker().On<ListAliasesRequest>(_ =>
        {
            // What a channel reports when the caller's token fires mid-call.
            cancellation.Cancel();
            throw FakeQdrant.Error(StatusCode.Cancelled, "Call canceled by the client.");
        });
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListAliasesAsync(connection, cancellation.Token));

        Assert.Single(invoker.Calls);
    }

    [Fact]
    public async Task CallAsync_CanceledWhileRetrying_OperationCanceled()
    {
        using var cancellation = new CancellationTokenSource();
        var invoker = new FakeCallInvoker().On<ListAliasesRequest>(_ =>
        {
            cancellation.Cancel();
            throw FakeQdrant.Error(StatusCode.Unavailable);
        });
        using var connection = new QdrantConnection(FakeQdrant.Options(), invoker);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListAliasesAsync(connection, cancellation.Token));

        Assert.Single(invoker.Calls);
    }

    [Fact]
    public void Constructor_NoUrl_Throws()
    {
        var options = FakeQdrant.Options();
        options.Url = null;

        Assert.Throws<ArgumentException>(() => new QdrantConnection(options, new FakeCallInvoker()));
    }

    private static Task<ListAliasesResponse> ListAliasesAsync(QdrantConnection connection, CancellationToken cancellationToken = default) =>
        connection.CallAsync(
            Operation,
            (c, deadline, token) => c.Collections.ListAliasesAsync(new ListAliasesRequest(), deadline: deadline, cancellationToken: token),
            cancellationToken);
}
