using QwenRag.Core;

namespace QwenRag.Retrieval.Vectors;

/// <summary>A <see cref="SearchFilter"/>'s documents and tags turned into ordinals a row can be checked against.</summary>
internal sealed class RowFilter
{
    private readonly VectorSet _set;
    private readonly HashSet<int>? _documents;
    private readonly int[] _tags;

    private RowFilter(VectorSet set, HashSet<int>? documents, int[] tags)
    {
        _set = set;
        _documents = documents;
        _tags = tags;
    }

    /// <summary>Null when the filter keeps every row; <paramref name="matchable"/> bounds how many rows pass.</summary>
    public static RowFilter? Compile(SearchFilter filter, VectorSet set, out int matchable)
    {
        matchable = set.Count;
        HashSet<int>? documents = null;
        if (filter.DocumentIds is { Count: > 0 })
        {
            documents = [.. filter.DocumentIds.Select(set.DocumentOrdinal).Where(d => d >= 0)];
            matchable = documents.Sum(set.DocumentRows);
        }

        var tags = new List<int>();
        foreach (var tag in filter.Tags ?? [])
        {
            var ordinal = set.TagOrdinal(tag);
            matchable = Math.Min(matchable, ordinal < 0 ? 0 : set.TagRows(ordinal));
            tags.Add(ordinal);
        }

        return documents is null && tags.Count == 0 ? null : new RowFilter(set, documents, [.. tags.Distinct()]);
    }

    public bool Accepts(int row)
    {
        if (_documents is not null && !_documents.Contains(_set.DocumentOf(row)))
        {
            return false;
        }

        if (_tags.Length > 0)
        {
            var rowTags = _set.TagsOf(row);
            foreach (var tag in _tags)
            {
                if (Array.IndexOf(rowTags, tag) < 0)
                {
                    return false;
                }
            }
        }

        return true;
    }
}
