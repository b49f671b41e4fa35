namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// An inverted-file index over a set's vector matrix: spherical k-means centroids, each with the list of rows
/// nearest to it. A query scans only the rows of its nearest lists. Pure managed code: it trains in seconds
/// (USearch's HNSW adds about 1,000-2,500 vectors/s here, single-threaded), filters naturally and follows
/// row moves cheaply. Callers synchronise.
/// </summary>
internal sealed class IvfIndex
{
    private readonly int _dimensions;
    private readonly float[] _centroids;
    private readonly int[][] _lists;
    private readonly int[] _listCounts;
    private int[] _rowList;
    private int[] _rowPosition;

    private IvfIndex(int dimensions, float[] centroids, int rowCapacity)
    {
        _dimensions = dimensions;
        _centroids = centroids;
        ListCount = centroids.Length / dimensions;
        _lists = new int[ListCount][];
        for (var i = 0; i < ListCount; i++)
        {
            _lists[i] = new int[16];
        }

        _listCounts = new int[ListCount];
        _rowList = new int[Math.Max(rowCapacity, 16)];
        _rowPosition = new int[_rowList.Length];
    }

    public int ListCount { get; }

    /// <summary>Rows when trained; the owner retrains when the set has grown well past it.</summary>
    public int TrainedRows { get; private init; }

    public ReadOnlySpan<float> Centroids => _centroids;

    public static IvfIndex Train(float[] matrix, int rows, int dimensions, int listCount, int seed = 17)
    {
        listCount = Math.Clamp(listCount, 1, rows);
        var random = new Random(seed);

        // k-means on a sample is as good as on everything, and much faster.
        var sampleSize = Math.Min(rows, listCount * 40);
        var sample = rows == sampleSize
            ? Enumerable.Range(0, rows).ToArray()
            : random.GetItems(Enumerable.Range(0, rows).ToArray(), sampleSize);
        var centroids = new float[listCount * dimensions];
        var seeds = random.GetItems(sample, listCount);
        for (var c = 0; c < listCount; c++)
        {
            matrix.AsSpan(seeds[c] * dimensions, dimensions).CopyTo(centroids.AsSpan(c * dimensions));
        }

        var assignment = new int[sampleSize];
        for (var iteration = 0; iteration < 8; iteration++)
        {
            Parallel.For(0, sampleSize, i => assignment[i] = Nearest(centroids, listCount, dimensions, matrix.AsSpan(sample[i] * dimensions, dimensions)));
            var sums = new float[centroids.Length];
            var counts = new int[listCount];
            for (var i = 0; i < sampleSize; i++)
            {
                var vector = matrix.AsSpan(sample[i] * dimensions, dimensions);
                var sum = sums.AsSpan(assignment[i] * dimensions, dimensions);
                System.Numerics.Tensors.TensorPrimitives.Add(sum, vector, sum);
                counts[assignment[i]]++;
            }

            for (var c = 0; c < listCount; c++)
            {
                var target = centroids.AsSpan(c * dimensions, dimensions);
                if (counts[c] == 0)
                {
                    // An empty cluster restarts from a random point.
                    matrix.AsSpan(sample[random.Next(sampleSize)] * dimensions, dimensions).CopyTo(target);
                    continue;
                }

                VectorMath.Normalized(sums.AsSpan(c * dimensions, dimensions)).CopyTo(target);
            }
        }

        var index = new IvfIndex(dimensions, centroids, rows) { TrainedRows = rows };
        var lists = new int[rows];
        Parallel.For(0, rows, row => lists[row] = Nearest(centroids, listCount, dimensions, matrix.AsSpan(row * dimensions, dimensions)));
        index.AddAssigned(lists);
        return index;
    }

    /// <summary>An index with known centroids and row assignments (read back from its file).</summary>
    public static IvfIndex Restore(int dimensions, float[] centroids, int[] rowLists, int trainedRows)
    {
        var index = new IvfIndex(dimensions, centroids, rowLists.Length) { TrainedRows = trainedRows };
        index.AddAssigned(rowLists);
        return index;
    }

    public int ListOf(int row) => _rowList[row];

    /// <summary>Adds (or re-files) <paramref name="row"/> under its nearest centroid.</summary>
    public void Add(int row, ReadOnlySpan<float> vector)
    {
        EnsureRowCapacity(row + 1);
        Append(row, Nearest(_centroids, ListCount, _dimensions, vector));
    }

    public void Remove(int row)
    {
        var list = _rowList[row];
        var position = _rowPosition[row];
        var last = _lists[list][--_listCounts[list]];
        _lists[list][position] = last;
        _rowPosition[last] = position;
    }

    /// <summary>The matrix moved row <paramref name="from"/> to <paramref name="to"/> (whose entry was removed).</summary>
    public void Move(int from, int to)
    {
        var list = _rowList[from];
        var position = _rowPosition[from];
        _lists[list][position] = to;
        _rowList[to] = list;
        _rowPosition[to] = position;
    }

    /// <summary>The <paramref name="probes"/> lists whose centroids are nearest the query.</summary>
    public int[] Probe(ReadOnlySpan<float> query, int probes)
    {
        var best = new TopK(Math.Min(probes, ListCount));
        for (var c = 0; c < ListCount; c++)
        {
            best.Add(c, VectorMath.Dot(query, _centroids.AsSpan(c * _dimensions, _dimensions)));
        }

        return best.ToList().Select(p => p.Row).ToArray();
    }

    public ReadOnlySpan<int> Rows(int list) => _lists[list].AsSpan(0, _listCounts[list]);

    private static int Nearest(float[] centroids, int listCount, int dimensions, ReadOnlySpan<float> vector)
    {
        var best = 0;
        var bestScore = float.NegativeInfinity;
        for (var c = 0; c < listCount; c++)
        {
            var score = VectorMath.Dot(vector, centroids.AsSpan(c * dimensions, dimensions));
            if (score > bestScore)
            {
                bestScore = score;
                best = c;
            }
        }

        return best;
    }

    private void AddAssigned(int[] rowLists)
    {
        EnsureRowCapacity(rowLists.Length);
        for (var row = 0; row < rowLists.Length; row++)
        {
            Append(row, rowLists[row]);
        }
    }

    private void Append(int row, int list)
    {
        if (_listCounts[list] == _lists[list].Length)
        {
            Array.Resize(ref _lists[list], _lists[list].Length * 2);
        }

        _rowList[row] = list;
        _rowPosition[row] = _listCounts[list];
        _lists[list][_listCounts[list]++] = row;
    }

    private void EnsureRowCapacity(int rows)
    {
        if (rows > _rowList.Length)
        {
            var capacity = Math.Max(rows, _rowList.Length * 2);
            Array.Resize(ref _rowList, capacity);
            Array.Resize(ref _rowPosition, capacity);
        }
    }
}
