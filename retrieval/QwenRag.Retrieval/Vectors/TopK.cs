namespace QwenRag.Retrieval.Vectors;

/// <summary>The best <c>k</c> (row, score) pairs seen, kept in a bounded min-heap.</summary>
internal sealed class TopK(int k)
{
    private readonly PriorityQueue<int, float> _heap = new(k + 1);

    public int Count => _heap.Count;

    /// <summary>The score a candidate must beat once the heap is full.</summary>
    public float Threshold => _heap.Count < k ? float.NegativeInfinity : _heap.TryPeek(out _, out var score) ? score : float.NegativeInfinity;

    public void Add(int row, float score)
    {
        if (_heap.Count < k)
        {
            _heap.Enqueue(row, score);
        }
        else if (score > Threshold)
        {
            _heap.EnqueueDequeue(row, score);
        }
    }

    public void AddRange(TopK other)
    {
        foreach (var (row, score) in other._heap.UnorderedItems)
        {
            Add(row, score);
        }
    }

    /// <summary>Best first.</summary>
    public List<(int Row, float Score)> ToList()
    {
        var items = _heap.UnorderedItems.Select(i => (Row: i.Element, Score: i.Priority)).ToList();
        items.Sort((a, b) => b.Score.CompareTo(a.Score));
        return items;
    }
}
