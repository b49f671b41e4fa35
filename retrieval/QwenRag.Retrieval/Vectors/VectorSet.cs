using QwenRag.Core;

namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// One set's vectors in memory: a contiguous row-major matrix and, per row, what filters need (document,
/// tags) and the SQLite row id that holds the full chunk. Deletes move the last row into the hole, so the
/// matrix stays dense. Not thread-safe: the store locks around it.
/// </summary>
internal sealed class VectorSet(string name, int dimensions)
{
    private readonly Dictionary<Guid, int> _rowByChunk = [];
    private readonly Dictionary<string, int> _documentOrdinals = new(StringComparer.Ordinal);
    private readonly List<int> _documentRows = [];
    private readonly Dictionary<string, int> _tagOrdinals = new(StringComparer.Ordinal);
    private readonly List<int> _tagRows = [];
    private float[] _matrix = new float[dimensions * 16];
    private long[] _rowIds = new long[16];
    private Guid[] _chunkIds = new Guid[16];
    private int[] _documents = new int[16];
    private int[][] _tags = new int[16][];

    public string Name { get; } = name;

    public int Dimensions { get; } = dimensions;

    public int Count { get; private set; }

    /// <summary>Bumped by every committed change; an index file of another generation is stale.</summary>
    public long Generation { get; set; }

    public IvfIndex? Ivf { get; set; }

    /// <summary>The generation the index file on disk was written at (-1: none).</summary>
    public long IvfFileGeneration { get; set; } = -1;

    public float[] Matrix => _matrix;

    public ReadOnlySpan<long> RowIds => _rowIds.AsSpan(0, Count);

    public bool Contains(Guid chunkId) => _rowByChunk.ContainsKey(chunkId);

    public void Upsert(long rowId, Guid chunkId, string documentId, IReadOnlyList<string> tags, ReadOnlySpan<float> vector)
    {
        if (_rowByChunk.TryGetValue(chunkId, out var row))
        {
            Ivf?.Remove(row);
            Release(row);
        }
        else
        {
            row = Count++;
            EnsureCapacity(Count);
            _rowByChunk[chunkId] = row;
            _chunkIds[row] = chunkId;
        }

        _rowIds[row] = rowId;
        _documents[row] = Ordinal(_documentOrdinals, _documentRows, documentId);
        _documentRows[_documents[row]]++;
        _tags[row] = tags.Count == 0 ? [] : tags.Distinct(StringComparer.Ordinal).Select(t => Ordinal(_tagOrdinals, _tagRows, t)).ToArray();
        foreach (var tag in _tags[row])
        {
            _tagRows[tag]++;
        }

        vector.CopyTo(_matrix.AsSpan(row * Dimensions, Dimensions));
        Ivf?.Add(row, vector);
    }

    public bool Remove(Guid chunkId)
    {
        if (!_rowByChunk.Remove(chunkId, out var row))
        {
            return false;
        }

        Ivf?.Remove(row);
        Release(row);
        var last = --Count;
        if (row != last)
        {
            _matrix.AsSpan(last * Dimensions, Dimensions).CopyTo(_matrix.AsSpan(row * Dimensions, Dimensions));
            _rowIds[row] = _rowIds[last];
            _chunkIds[row] = _chunkIds[last];
            _documents[row] = _documents[last];
            _tags[row] = _tags[last];
            _rowByChunk[_chunkIds[row]] = row;
            Ivf?.Move(last, row);
        }

        _chunkIds[last] = Guid.Empty;
        _tags[last] = null!;
        return true;
    }

    public int RemoveDocument(string documentId)
    {
        if (!_documentOrdinals.TryGetValue(documentId, out var document) || _documentRows[document] == 0)
        {
            return 0;
        }

        var chunks = new List<Guid>();
        for (var row = 0; row < Count; row++)
        {
            if (_documents[row] == document)
            {
                chunks.Add(_chunkIds[row]);
            }
        }

        chunks.ForEach(c => Remove(c));
        return chunks.Count;
    }

    /// <summary>The best <paramref name="top"/> rows for a unit-length query: (SQLite row id, cosine), best first.</summary>
    public List<(long RowId, float Score)> Search(float[] query, int top, SearchFilter filter, EmbeddedVectorStoreOptions options, out bool usedAnn)
    {
        usedAnn = false;
        if (query.Length != Dimensions)
        {
            throw new ArgumentException($"Set '{Name}' holds {Dimensions}-dimensional vectors; the query has {query.Length}.", nameof(query));
        }

        var rowFilter = RowFilter.Compile(filter, this, out var matchable);
        if (Count == 0 || top <= 0 || matchable == 0)
        {
            return [];
        }

        TopK best;
        if (Ivf is { } ivf && Count >= options.AnnThreshold)
        {
            var probes = Math.Min(ivf.ListCount, options.AnnProbeCount ?? Math.Max(8, ivf.ListCount / 12));
            var annCandidates = (long)Count * probes / ivf.ListCount;
            if (matchable <= annCandidates)
            {
                // So few rows pass the filter that scoring them all is cheaper than the index, and exact.
                best = ScanExact(query, top, rowFilter, options);
            }
            else
            {
                // Oversample in proportion to how much the filter thins the lists, then fall back if short.
                var thinned = (int)Math.Min(ivf.ListCount, (long)probes * Count / matchable);
                best = ScanLists(query, top, rowFilter, ivf, thinned);
                usedAnn = true;
                if (best.Count < Math.Min(top, matchable))
                {
                    best = ScanExact(query, top, rowFilter, options);
                    usedAnn = false;
                }
            }
        }
        else
        {
            best = ScanExact(query, top, rowFilter, options);
        }

        return best.ToList().Select(hit => (_rowIds[hit.Row], hit.Score)).ToList();
    }

    internal int DocumentOrdinal(string documentId) => _documentOrdinals.GetValueOrDefault(documentId, -1);

    internal int DocumentRows(int document) => _documentRows[document];

    internal int TagOrdinal(string tag) => _tagOrdinals.GetValueOrDefault(tag, -1);

    internal int TagRows(int tag) => _tagRows[tag];

    internal int DocumentOf(int row) => _documents[row];

    internal int[] TagsOf(int row) => _tags[row];

    private TopK ScanExact(float[] query, int top, RowFilter? filter, EmbeddedVectorStoreOptions options)
    {
        if (Count < options.ParallelScanThreshold)
        {
            return ScanRange(query, top, filter, 0, Count);
        }

        var parts = Environment.ProcessorCount;
        var partial = new TopK[parts];
        var size = (Count + parts - 1) / parts;
        Parallel.For(0, parts, p => partial[p] = ScanRange(query, top, filter, p * size, Math.Min(Count, (p + 1) * size)));
        var best = new TopK(top);
        foreach (var part in partial)
        {
            best.AddRange(part);
        }

        return best;
    }

    private TopK ScanRange(float[] query, int top, RowFilter? filter, int start, int end)
    {
        var best = new TopK(top);
        var matrix = _matrix;
        for (var row = start; row < end; row++)
        {
            if (filter is null || filter.Accepts(row))
            {
                best.Add(row, VectorMath.Dot(query, matrix.AsSpan(row * Dimensions, Dimensions)));
            }
        }

        return best;
    }

    private TopK ScanLists(float[] query, int top, RowFilter? filter, IvfIndex ivf, int probes)
    {
        var best = new TopK(top);
        foreach (var list in ivf.Probe(query, probes))
        {
            foreach (var row in ivf.Rows(list))
            {
                if (filter is null || filter.Accepts(row))
                {
                    best.Add(row, VectorMath.Dot(query, _matrix.AsSpan(row * Dimensions, Dimensions)));
                }
            }
        }

        return best;
    }

    private static int Ordinal(Dictionary<string, int> ordinals, List<int> rows, string value)
    {
        if (!ordinals.TryGetValue(value, out var ordinal))
        {
            ordinal = ordinals.Count;
            ordinals[value] = ordinal;
            rows.Add(0);
        }

        return ordinal;
    }

    private void Release(int row)
    {
        _documentRows[_documents[row]]--;
        foreach (var tag in _tags[row])
        {
            _tagRows[tag]--;
        }
    }

    private void EnsureCapacity(int rows)
    {
        if (rows <= _rowIds.Length)
        {
            return;
        }

        var capacity = Math.Max(rows, _rowIds.Length * 2);
        Array.Resize(ref _matrix, capacity * Dimensions);
        Array.Resize(ref _rowIds, capacity);
        Array.Resize(ref _chunkIds, capacity);
        Array.Resize(ref _documents, capacity);
        Array.Resize(ref _tags, capacity);
    }
}
