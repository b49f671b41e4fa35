using System.Security.Cryptography;
using System.Text;
using QwenRag.Core;

namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// The default vector store: durable in <c>vectors/vectors.db</c> (SQLite), searched in memory. Opening loads
/// each set's vectors into one contiguous matrix; small sets are scanned exactly (SIMD dot products, cosine on
/// unit vectors), sets of <see cref="EmbeddedVectorStoreOptions.AnnThreshold"/> chunks or more through an IVF
/// index saved as <c>vectors/{set-hash}.ivf</c>. Chunk text is read back from SQLite for the hits only.
/// Searches run concurrently with each other and with writes; writes are serialised.
/// Several processes may share the directory (say <c>qwenrag serve</c> and a worker): before searching a set,
/// the store compares the set's generation in SQLite with its own and reloads the set if another process has
/// changed it.
/// </summary>
public sealed class EmbeddedVectorStore : IVectorStore, IDisposable
{
    public const string DatabaseFileName = "vectors.db";

    private readonly string _directory;
    private readonly EmbeddedVectorStoreOptions _options;
    private readonly VectorDatabase _database;
    private readonly Dictionary<string, VectorSet> _sets = new(StringComparer.Ordinal);

    // Generations of sets known to hold no vectors (deleted or emptied), so that they are not reloaded every search.
    private readonly Dictionary<string, long> _absent = new(StringComparer.Ordinal);
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly SemaphoreSlim _writeGate = new(1, 1);
    private bool _disposed;

    public EmbeddedVectorStore(DataDirectory data, EmbeddedVectorStoreOptions? options = null)
        : this(data.VectorsPath, options)
    {
    }

    /// <summary>Opens (or creates) the store in <paramref name="directory"/>.</summary>
    public EmbeddedVectorStore(string directory, EmbeddedVectorStoreOptions? options = null)
    {
        _options = options ?? new EmbeddedVectorStoreOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.AnnThreshold, 1, nameof(options));
        _directory = Path.GetFullPath(directory);
        Directory.CreateDirectory(_directory);
        _database = new VectorDatabase(Path.Combine(_directory, DatabaseFileName));
        foreach (var name in _database.SetNames())
        {
            Reload(name);
        }
    }

    public IReadOnlyCollection<string> Sets => Read(() => _sets.Keys.ToArray());

    /// <summary>Chunks stored in <paramref name="set"/>.</summary>
    public int Count(string set)
    {
        Refresh(set);
        return Read(() => _sets.TryGetValue(set, out var s) ? s.Count : 0);
    }

    /// <summary>
    /// Up to <paramref name="limit"/> stored chunks of <paramref name="set"/> with their vectors, in storage order
    /// after row <paramref name="afterRow"/> (0 for the first page); each comes with its row, to continue from.
    /// </summary>
    public IReadOnlyList<(long Row, ChunkVector Chunk)> ReadStored(string set, long afterRow, int limit)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        return _database.ReadPage(set, afterRow, limit);
    }

    /// <summary>Stored chunks per document of <paramref name="set"/>.</summary>
    public IReadOnlyDictionary<string, long> CountByDocument(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _database.CountByDocument(set);
    }

    /// <summary>Whether searches of <paramref name="set"/> go through the approximate index.</summary>
    public bool UsesApproximateIndex(string set)
    {
        Refresh(set);
        return Read(() => _sets.TryGetValue(set, out var s) && s.Ivf is not null && s.Count >= _options.AnnThreshold);
    }

    /// <summary>Sets loaded from SQLite, at open and since (another process changed them).</summary>
    internal int Reloads { get; private set; }

    /// <summary>A set is created by its first upsert; one that holds vectors of another size refuses.</summary>
    public Task EnsureSetAsync(string set, int dimensions, CancellationToken cancellationToken = default)
    {
        SetName.Validate(set);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimensions);
        Refresh(set);
        var held = Read(() => _sets.TryGetValue(set, out var s) ? s.Dimensions : 0);
        return held == 0 || held == dimensions
            ? Task.CompletedTask
            : throw new InvalidOperationException(
                $"Set '{set}' holds {held}-dimensional vectors in the embedded store; the embedding model produces {dimensions}. Re-index the set to change models.");
    }

    public async Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(chunks);
        if (chunks.Count == 0)
        {
            return;
        }

        var vectors = chunks.Select(c => VectorMath.Normalized(c.Vector.Span)).ToArray();
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            Validate(chunks, vectors);

            // A chunk id that moves to another set leaves its old one.
            var moved = chunks
                .SelectMany(c => _sets.Values.Where(s => s.Name != c.Chunk.Set && s.Contains(c.Chunk.Id)).Select(s => (s, c.Chunk.Id)))
                .ToList();
            var (rowIds, generations) = _database.Upsert(chunks, vectors);

            // A set another process has changed since this one read it would miss that change: reload it instead.
            var stale = generations.Where(g => g.Value != KnownGeneration(g.Key) + 1).Select(g => g.Key).ToList();
            _lock.EnterWriteLock();
            try
            {
                foreach (var (set, id) in moved)
                {
                    set.Remove(id);
                }

                for (var i = 0; i < chunks.Count; i++)
                {
                    var chunk = chunks[i].Chunk;
                    if (!_sets.TryGetValue(chunk.Set, out var set))
                    {
                        _sets[chunk.Set] = set = new VectorSet(chunk.Set, vectors[i].Length);
                        _absent.Remove(chunk.Set);
                    }

                    set.Upsert(rowIds[i], chunk.Id, chunk.DocumentId, chunk.Tags, vectors[i]);
                }

                foreach (var (name, generation) in generations)
                {
                    if (_sets.TryGetValue(name, out var set))
                    {
                        set.Generation = generation;
                    }
                }
            }
            finally
            {
                _lock.ExitWriteLock();
            }

            foreach (var name in generations.Keys)
            {
                if (stale.Contains(name))
                {
                    Reload(name);
                }
                else if (_sets.TryGetValue(name, out var set))
                {
                    RefreshIndex(set, save: true);
                }
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var expected = KnownGeneration(set) + 1;
            var generation = _database.DeleteDocument(set, documentId);
            if (generation != expected)
            {
                // Another process changed the set since this one read it.
                Reload(set);
            }
            else if (!_sets.TryGetValue(set, out var vectors))
            {
                Write(() => _absent[set] = generation);
            }
            else
            {
                Write(() =>
                {
                    vectors.RemoveDocument(documentId);
                    vectors.Generation = generation;
                });
                RefreshIndex(vectors, save: false);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public async Task DeleteSetAsync(string set, CancellationToken cancellationToken = default)
    {
        await _writeGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var generation = _database.DeleteSet(set);
            Write(() =>
            {
                _sets.Remove(set);
                _absent[set] = generation;
            });
            File.Delete(IvfPath(set));
        }
        finally
        {
            _writeGate.Release();
        }
    }

    public Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(Search(query.Span, top, filter));
    }

    public void Dispose()
    {
        _writeGate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;

            // Deletes do not rewrite the index file each time; bring it up to date once, at shutdown.
            foreach (var set in _sets.Values)
            {
                if (set.Ivf is { } ivf && set.IvfFileGeneration != set.Generation)
                {
                    IvfFile.Write(IvfPath(set.Name), set, ivf);
                }
            }

            _database.Dispose();
        }
        finally
        {
            _writeGate.Release();
        }
    }

    private IReadOnlyList<ScoredChunk> Search(ReadOnlySpan<float> query, int top, SearchFilter filter)
    {
        Refresh(filter.Set);
        var unit = VectorMath.Normalized(query);
        List<(long RowId, float Score)> hits;
        _lock.EnterReadLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_sets.TryGetValue(filter.Set, out var set))
            {
                return [];
            }

            hits = set.Search(unit, top, filter, _options, out _);
        }
        finally
        {
            _lock.ExitReadLock();
        }

        // A chunk deleted since the scan is simply left out.
        var chunks = _database.Read(hits.Select(h => h.RowId).ToList());
        return hits
            .Where(h => chunks.ContainsKey(h.RowId))
            .Select(h => new ScoredChunk(chunks[h.RowId], h.Score))
            .ToList();
    }

    /// <summary>
    /// Reloads <paramref name="set"/> if another process has changed it since this store last read or wrote it.
    /// Skipped while this store is writing or another search is reloading (the gate is taken): rather than wait,
    /// that search sees the copy in memory, a moment old (none yet, for a set just created elsewhere), and a
    /// later one catches up.
    /// </summary>
    private void Refresh(string set)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_database.Generation(set) == Read(() => KnownGeneration(set)))
        {
            return;
        }

        // A set already in memory is searched as it is while another caller reloads it; one that is not in memory
        // yet (created by another process) has no copy worth answering from, so that search waits for the load.
        if (Read(() => _sets.ContainsKey(set)) ? !_writeGate.Wait(0) : !_writeGate.Wait(Timeout.Infinite))
        {
            return;
        }

        try
        {
            // Asked again under the gate: a write of this store's own may have committed meanwhile.
            if (!_disposed && _database.Generation(set) != KnownGeneration(set))
            {
                Reload(set);
            }
        }
        finally
        {
            _writeGate.Release();
        }
    }

    /// <summary>
    /// Replaces the copy of <paramref name="name"/> in memory with what SQLite holds, as opening the store does:
    /// rows, generation, and the IVF index from its file if that is of the same generation, else retrained.
    /// Called with the write gate held (or from the constructor); searches use the old copy until the swap.
    /// </summary>
    private void Reload(string name)
    {
        var (set, generation) = _database.LoadSet(name);
        if (set is not null)
        {
            set.Ivf = IvfFile.TryRead(IvfPath(name), set);
            RefreshIndex(set, save: true);
        }

        Write(() =>
        {
            if (set is null)
            {
                _sets.Remove(name);
                _absent[name] = generation;
            }
            else
            {
                _sets[name] = set;
                _absent.Remove(name);
            }
        });
        Reloads++;
    }

    /// <summary>The generation the copy in memory reflects (0: never seen). Under a lock or the write gate.</summary>
    private long KnownGeneration(string set) =>
        _sets.TryGetValue(set, out var vectors) ? vectors.Generation : _absent.GetValueOrDefault(set);

    private void Validate(IReadOnlyList<ChunkVector> chunks, float[][] vectors)
    {
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i].Chunk;
            SetName.Validate(chunk.Set);
            var expected = _sets.TryGetValue(chunk.Set, out var set) ? set.Dimensions
                : chunks.First(c => c.Chunk.Set == chunk.Set).Vector.Length;
            if (vectors[i].Length == 0 || vectors[i].Length != expected)
            {
                throw new ArgumentException($"Chunk '{chunk.Id}' has a {vectors[i].Length}-dimensional vector; set '{chunk.Set}' holds {expected}.", nameof(chunks));
            }
        }
    }

    /// <summary>
    /// Builds the IVF index when a set reaches the threshold, retrains it when the set has doubled since, drops it
    /// when the set shrinks well below. Called with the write gate held: only readers run meanwhile, and training
    /// only reads the matrix.
    /// </summary>
    private void RefreshIndex(VectorSet set, bool save)
    {
        var ivf = set.Ivf;
        if (set.Count < _options.AnnThreshold / 2)
        {
            if (ivf is not null)
            {
                Write(() => set.Ivf = null);
                File.Delete(IvfPath(set.Name));
            }

            return;
        }

        if (set.Count >= _options.AnnThreshold && (ivf is null || set.Count > 2 * ivf.TrainedRows))
        {
            var lists = _options.AnnListCount ?? Math.Clamp((int)Math.Sqrt(set.Count), 16, 4096);
            var trained = IvfIndex.Train(set.Matrix, set.Count, set.Dimensions, lists);
            Write(() => set.Ivf = trained);
            IvfFile.Write(IvfPath(set.Name), set, trained);
        }
        else if (save && ivf is not null && set.IvfFileGeneration != set.Generation)
        {
            IvfFile.Write(IvfPath(set.Name), set, ivf);
        }
    }

    private string IvfPath(string set) =>
        Path.Combine(_directory, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(set)).AsSpan(0, 8)) + ".ivf");

    private T Read<T>(Func<T> read)
    {
        _lock.EnterReadLock();
        try
        {
            return read();
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Write(Action write)
    {
        _lock.EnterWriteLock();
        try
        {
            write();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }
}
