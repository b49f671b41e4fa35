using Qdrant.Client.Grpc;
using QwenRag.Core;

namespace QwenRag.Retrieval.Qdrant;

/// <summary>
/// The vector store for data that outgrows one machine: one Qdrant collection holds every set's chunks (set as a
/// tenant payload), each with a dense and a sparse BM25 vector, so the collection is the whole index and hybrid
/// search is one request fused on the server. Requests go through the alias, so a re-index that switches it is
/// seen by every replica at once. The collection is checked (or created) on first use; see
/// <see cref="InitializeAsync"/>.
/// </summary>
public sealed class QdrantVectorStore : IVectorStore, IHybridSearch
{
    private readonly QdrantConnection _connection;
    private readonly QdrantOptions _options;
    private readonly Bm25SparseEncoder _sparse;
    private readonly QdrantCollections _collections;
    private readonly string? _fixedCollection;
    private readonly SemaphoreSlim _initializing = new(1, 1);
    private string? _collection;

    /// <param name="connection">The channel to the server; owned by the caller.</param>
    /// <param name="options">Alias, vector and batch settings.</param>
    /// <param name="sparse">Builds the keyword vectors; owned by the caller.</param>
    /// <param name="model">The embedding model the collection must fit.</param>
    /// <param name="collection">
    /// Write to and search this collection instead of the alias's (a re-index building its new collection); null
    /// uses the alias, creating collection and alias the first time.
    /// </param>
    public QdrantVectorStore(
        QdrantConnection connection, QdrantOptions options, Bm25SparseEncoder sparse, EmbeddingModel model, string? collection = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sparse);
        ArgumentNullException.ThrowIfNull(model);
        _connection = connection;
        _options = options;
        _sparse = sparse;
        Model = model;
        _collections = new QdrantCollections(connection, options);
        _fixedCollection = collection;
    }

    public EmbeddingModel Model { get; }

    public string Url => _connection.Url;

    /// <summary>Where requests go: the alias, or the collection being built.</summary>
    public string Target => _fixedCollection ?? _options.Alias;

    /// <summary>
    /// Checks that the collection behind the alias fits the embedding model, or creates collection, payload
    /// indexes and alias; returns the collection's name. Done once; a failure is tried again on the next call.
    /// </summary>
    /// <exception cref="VectorStoreUnavailableException">Qdrant cannot be reached.</exception>
    /// <exception cref="InvalidOperationException">The collection does not fit (both sides are named).</exception>
    public async Task<string> InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_collection is { } known)
        {
            return known;
        }

        await _initializing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_collection is null)
            {
                if (_fixedCollection is { } fixedName)
                {
                    await _collections.VerifyAsync(fixedName, Model, cancellationToken).ConfigureAwait(false);
                    _collection = fixedName;
                }
                else
                {
                    _collection = await _collections.EnsureAsync(Model, cancellationToken).ConfigureAwait(false);
                }
            }

            return _collection;
        }
        finally
        {
            _initializing.Release();
        }
    }

    /// <summary>Answers when the server is up and the collection fits; the exception says why not.</summary>
    public async Task<string> CheckHealthAsync(CancellationToken cancellationToken = default)
    {
        var health = await _connection.CallAsync(
            "checking health", (c, deadline, token) => c.Qdrant.HealthCheckAsync(new HealthCheckRequest(), deadline: deadline, cancellationToken: token), cancellationToken, retry: false).ConfigureAwait(false);
        var collection = await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return $"Qdrant {health.Version} at {Url}, collection '{collection}' behind alias '{_options.Alias}'";
    }

    public async Task EnsureSetAsync(string set, int dimensions, CancellationToken cancellationToken = default)
    {
        SetName.Validate(set);
        var collection = await InitializeAsync(cancellationToken).ConfigureAwait(false);
        if (dimensions != Model.Dimensions)
        {
            throw new InvalidOperationException(
                $"Qdrant collection '{collection}' holds {Model.Dimensions}-dimensional vectors ({Model.Name}); set '{set}' was given {dimensions}-dimensional ones.");
        }
    }

    public async Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            return;
        }

        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        foreach (var chunk in chunks)
        {
            SetName.Validate(chunk.Chunk.Set);
            if (chunk.Vector.Length != Model.Dimensions)
            {
                throw new ArgumentException(
                    $"Chunk '{chunk.Chunk.Id}' has a {chunk.Vector.Length}-dimensional vector; the collection holds {Model.Dimensions}.", nameof(chunks));
            }
        }

        var points = chunks.Select(c => QdrantRequests.Point(c, _sparse.EncodeDocument(c.Chunk.Text))).ToList();
        foreach (var upsert in QdrantRequests.Upserts(Target, points, _options.UpsertBatchSize))
        {
            await _connection.CallAsync(
                $"upserting {upsert.Points.Count} points into '{Target}'",
                (c, deadline, token) => c.Points.UpsertAsync(upsert, deadline: deadline, cancellationToken: token),
                cancellationToken).ConfigureAwait(false);
        }
    }

    public async Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var delete = QdrantRequests.DeleteDocument(Target, set, documentId);
        await _connection.CallAsync(
            $"deleting document '{documentId}' of set '{set}'",
            (c, deadline, token) => c.Points.DeleteAsync(delete, deadline: deadline, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task DeleteSetAsync(string set, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var delete = QdrantRequests.DeleteSet(Target, set);
        await _connection.CallAsync(
            $"deleting set '{set}'",
            (c, deadline, token) => c.Points.DeleteAsync(delete, deadline: deadline, cancellationToken: token),
            cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(top);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        return await QueryAsync(QdrantRequests.DenseQuery(Target, query, top, filter), cancellationToken).ConfigureAwait(false);
    }

    public async Task<IReadOnlyList<ScoredChunk>> SearchHybridAsync(
        HybridQuery query, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(filter);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Top);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.CandidatesPerList, query.Top);
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var request = QdrantRequests.HybridQuery(Target, query, _sparse.EncodeQuery(query.Text), filter, _options.RrfK);
        return await QueryAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Points stored for a set, or for one of its documents (an exact count).</summary>
    public async Task<long> CountAsync(string set, string? documentId = null, CancellationToken cancellationToken = default)
    {
        await InitializeAsync(cancellationToken).ConfigureAwait(false);
        var count = QdrantRequests.Count(Target, set, documentId);
        var response = await _connection.CallAsync(
            $"counting points of set '{set}'", (c, deadline, token) => c.Points.CountAsync(count, deadline: deadline, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        return (long)response.Result.Count;
    }

    private async Task<IReadOnlyList<ScoredChunk>> QueryAsync(QueryPoints request, CancellationToken cancellationToken)
    {
        var response = await _connection.CallAsync(
            $"searching '{Target}'", (c, deadline, token) => c.Points.QueryAsync(request, deadline: deadline, cancellationToken: token), cancellationToken).ConfigureAwait(false);
        return response.Result
            .Select(point => new ScoredChunk(QdrantRequests.Chunk(point.Id, point.Payload), point.Score))
            .ToList();
    }
}
