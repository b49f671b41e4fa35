namespace QwenRag.Core;

/// <summary>
/// Narrows a search to one set and, optionally, to some documents and to chunks carrying all given tags.
/// </summary>
public sealed record SearchFilter(string Set)
{
    /// <summary>Document ids to keep; null or empty keeps all.</summary>
    public IReadOnlyCollection<string>? DocumentIds { get; init; }

    /// <summary>Tags a chunk must all carry; null or empty keeps all.</summary>
    public IReadOnlyCollection<string>? Tags { get; init; }

    public bool Matches(ChunkRecord chunk)
    {
        if (!string.Equals(chunk.Set, Set, StringComparison.Ordinal))
        {
            return false;
        }

        if (DocumentIds is { Count: > 0 } && !DocumentIds.Contains(chunk.DocumentId))
        {
            return false;
        }

        if (Tags is { Count: > 0 })
        {
            foreach (var tag in Tags)
            {
                if (!chunk.Tags.Contains(tag, StringComparer.Ordinal))
                {
                    return false;
                }
            }
        }

        return true;
    }
}
