using QwenRag.Core;

namespace QwenRag.Retrieval.Tests;

/// <summary>An <see cref="IVectorStore"/> over a list, brute-force cosine; the real embedded store is tested on its own.</summary>
internal sealed class ListVectorStore : IVectorStore
{
    private readonly List<ChunkVector> _chunks = [];

    /// <summary>Awaited at the start of every search, so a test can hold the dense search back.</summary>
    public Func<Task>? BeforeSearch { get; set; }

    public SearchFilter? LastFilter { get; private set; }

    public Task EnsureSetAsync(string set, int dimensions, CancellationToken cancellationToken = default) => Task.CompletedTask;

    public Task UpsertAsync(IReadOnlyList<ChunkVector> chunks, CancellationToken cancellationToken = default)
    {
        foreach (var chunk in chunks)
        {
            _chunks.RemoveAll(existing => existing.Chunk.Id == chunk.Chunk.Id);
            _chunks.Add(chunk);
        }

        return Task.CompletedTask;
    }

    public Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default)
    {
        _chunks.RemoveAll(chunk => chunk.Chunk.Set == set && chunk.Chunk.DocumentId == documentId);
        return Task.CompletedTask;
    }

    public Task DeleteSetAsync(string set, CancellationToken cancellationToken = default)
    {
        _chunks.RemoveAll(chunk => chunk.Chunk.Set == set);
        return Task.CompletedTask;
    }

    public async Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        ReadOnlyMemory<float> query, int top, SearchFilter filter, CancellationToken cancellationToken = default)
    {
        if (BeforeSearch is not null)
        {
            await BeforeSearch();
        }

        LastFilter = filter;
        return _chunks
            .Where(chunk => filter.Matches(chunk.Chunk))
            .Select(chunk => new ScoredChunk(chunk.Chunk, Dot(query.Span, chunk.Vector.Span)))
            .OrderByDescending(hit => hit.Score)
            .ThenBy(hit => hit.Chunk.Id.ToString(), StringComparer.Ordinal)
            .Take(top)
            .ToList();
    }

    private static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        var sum = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            sum += a[i] * b[i];
        }

        return sum;
    }
}
