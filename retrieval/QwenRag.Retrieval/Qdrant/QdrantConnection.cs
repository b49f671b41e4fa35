using Grpc.Core;
using Polly;
using Polly.Retry;
using Qdrant.Client;
using Qdrant.Client.Grpc;
using QwenRag.Core;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// The one owner of the gRPC channel to Qdrant. Every call goes through <see cref="CallAsync"/>: a deadline per
/// attempt, and retries of transient failures (<see cref="IsTransient"/>) with capped exponential backoff and
/// jitter. A call that stays transient through its retries ends as <see cref="VectorStoreUnavailableException"/>;
/// any other status ends at once as <see cref="VectorStoreException"/>; both name the URL and the operation.
/// </summary>
public sealed class QdrantConnection : IDisposable
{
    private readonly QdrantChannel? _channel;
    private readonly ResiliencePipeline _retry;
    private readonly TimeSpan _timeout;
    private readonly int _maxRetries;

    /// <summary>Opens a channel to <see cref="QdrantOptions.Url"/> (nothing is sent until the first call).</summary>
    public QdrantConnection(QdrantOptions options)
        : this(options, null)
    {
    }

    /// <param name="options">Where Qdrant is and how calls are retried.</param>
    /// <param name="invoker">Carries the calls instead of a channel (tests); null opens the channel.</param>
    public QdrantConnection(QdrantOptions options, CallInvoker? invoker)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            throw new ArgumentException($"{QdrantOptions.SectionName}:Url is not set.", nameof(options));
        }

        Url = options.Url!;
        if (invoker is null)
        {
            _channel = QdrantChannel.ForAddress(Url, new ClientConfiguration
            {
                ApiKey = string.IsNullOrEmpty(options.ApiKey) ? null : options.ApiKey,
                CertificateThumbprint = string.IsNullOrEmpty(options.CertificateThumbprint) ? null : options.CertificateThumbprint,
            });
            invoker = _channel.CreateCallInvoker();
        }

        Client = new QdrantGrpcClient(invoker);
        _timeout = options.Timeout;
        _maxRetries = options.MaxRetries;
        _retry = options.MaxRetries == 0 ? ResiliencePipeline.Empty : new ResiliencePipelineBuilder()
            .AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<RpcException>(e => IsTransient(e.StatusCode)),
                MaxRetryAttempts = options.MaxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = options.RetryDelay,
                MaxDelay = options.MaxRetryDelay,
            })
            .Build();
    }

    /// <summary>The server, as configured; errors name it.</summary>
    public string Url { get; }

    /// <summary>The generated gRPC clients (collections, points, service).</summary>
    public QdrantGrpcClient Client { get; }

    /// <summary>Whether a status may pass with time: Unavailable, DeadlineExceeded, ResourceExhausted, Aborted.</summary>
    public static bool IsTransient(StatusCode status) =>
        status is StatusCode.Unavailable or StatusCode.DeadlineExceeded or StatusCode.ResourceExhausted or StatusCode.Aborted;

    /// <summary>Runs one call with its deadline, retrying transient failures.</summary>
    /// <param name="operation">What the call does, for errors ("upserting 256 points").</param>
    /// <param name="call">The call, given its deadline and the token to pass on.</param>
    /// <param name="cancellationToken">Stops the call and the retries.</param>
    /// <param name="retry">False makes one attempt only (a health probe should say at once).</param>
    public async Task<T> CallAsync<T>(
        string operation,
        Func<QdrantGrpcClient, DateTime, CancellationToken, AsyncUnaryCall<T>> call,
        CancellationToken cancellationToken,
        bool retry = true)
    {
        try
        {
            return await (retry ? _retry : ResiliencePipeline.Empty).ExecuteAsync(
                async token => await call(Client, DateTime.UtcNow.Add(_timeout), token).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException(cancellationToken);
        }
        catch (RpcException ex) when (IsTransient(ex.StatusCode))
        {
            throw new VectorStoreUnavailableException(
                $"Qdrant at {Url} is unavailable while {operation} ({ex.StatusCode}: {ex.Status.Detail}), after {(retry ? _maxRetries : 0)} retries.", ex);
        }
        catch (RpcException ex)
        {
            throw new VectorStoreException($"Qdrant at {Url} refused {operation}: {ex.StatusCode}: {ex.Status.Detail}", ex);
        }
    }

    public void Dispose() => _channel?.Dispose();
}
