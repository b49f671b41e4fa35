using Grpc.Core;

namespace QwenRag.Retrieval.Tests.Qdrant;

/// <summary>
/// Carries unary gRPC calls to scripted handlers instead of a server: each call is recorded (method and request),
/// then answered by the handler registered for its request type, which returns the response or throws an
/// <see cref="RpcException"/>. A request type without a handler fails the call as Unimplemented. Calls whose
/// cancellation token is already cancelled end as Cancelled, as a channel would. Streaming is not supported.
/// </summary>
internal sealed class FakeCallInvoker : CallInvoker
{
    private readonly Dictionary<Type, Func<object, object>> _handlers = [];
    private readonly List<RecordedCall> _calls = [];
    private readonly Lock _gate = new();

    /// <summary>Every call so far, in order.</summary>
    public IReadOnlyList<RecordedCall> Calls
    {
        get
        {
            lock (_gate)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>The requests of type <typeparamref name="TRequest"/> sent so far, in order.</summary>
    public IReadOnlyList<TRequest> Requests<TRequest>() => Calls.Select(c => c.Request).OfType<TRequest>().ToList();

    /// <summary>Answers every <typeparamref name="TRequest"/> with <paramref name="respond"/> (replacing any earlier handler).</summary>
    public FakeCallInvoker On<TRequest>(Func<TRequest, object> respond)
    {
        _handlers[typeof(TRequest)] = request => respond((TRequest)request);
        return this;
    }

    /// <summary>Answers the <typeparamref name="TRequest"/> calls in turn from <paramref name="script"/>: a response, or an exception to throw.</summary>
    public FakeCallInvoker OnSequence<TRequest>(params object[] script)
    {
        var next = 0;
        return On<TRequest>(_ =>
        {
            var step = script[Math.Min(next++, script.Length - 1)];
            return step is Exception exception ? throw exception : step;
        });
    }

    public override TResponse BlockingUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        Invoke(method, options, request);

    public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request)
    {
        Task<TResponse> response;
        try
        {
            response = Task.FromResult(Invoke(method, options, request));
        }
        catch (RpcException ex)
        {
            response = Task.FromException<TResponse>(ex);
        }

        return new AsyncUnaryCall<TResponse>(
            response, Task.FromResult(new Metadata()), () => Status.DefaultSuccess, () => [], () => { });
    }

    public override AsyncServerStreamingCall<TResponse> AsyncServerStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options, TRequest request) =>
        throw new NotSupportedException("Streaming calls are not faked.");

    public override AsyncClientStreamingCall<TRequest, TResponse> AsyncClientStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException("Streaming calls are not faked.");

    public override AsyncDuplexStreamingCall<TRequest, TResponse> AsyncDuplexStreamingCall<TRequest, TResponse>(
        Method<TRequest, TResponse> method, string? host, CallOptions options) =>
        throw new NotSupportedException("Streaming calls are not faked.");

    private TResponse Invoke<TRequest, TResponse>(Method<TRequest, TResponse> method, CallOptions options, TRequest request)
        where TRequest : class
        where TResponse : class
    {
        Func<object, object>? handler;
        lock (_gate)
        {
            _calls.Add(new RecordedCall(method.FullName, request, options.Deadline));
            _handlers.TryGetValue(typeof(TRequest), out handler);
        }

        if (options.CancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, "Call canceled by the client."));
        }

        if (handler is null)
        {
            throw new RpcException(new Status(StatusCode.Unimplemented, $"No fake handler for {method.FullName}."));
        }

        return (TResponse)handler(request);
    }
}
