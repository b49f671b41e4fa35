using QwenRag.Core;

namespace QwenRag.Hosting.Tests;

/// <summary>The real keyword index, whose writes throw what <see cref="Failure"/> makes while it is set.</summary>
internal sealed class FailingKeywordIndex(IKeywordIndex inner) : IKeywordIndex
{
    private int _failedWrites;

    /// <summary>Made anew for every write while set; null lets writes through.</summary>
    public Func<Exception>? Failure { get; set; }

    public int FailedWrites => Volatile.Read(ref _failedWrites);

    public Task UpsertAsync(IReadOnlyList<ChunkRecord> chunks, CancellationToken cancellationToken = default)
    {
        if (Failure is { } failure)
        {
            Interlocked.Increment(ref _failedWrites);
            throw failure();
        }

        return inner.UpsertAsync(chunks, cancellationToken);
    }

    public Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default) =>
        inner.DeleteDocumentAsync(set, documentId, cancellationToken);

    public Task DeleteSetAsync(string set, CancellationToken cancellationToken = default) =>
        inner.DeleteSetAsync(set, cancellationToken);

    public Task<IReadOnlyList<ScoredChunk>> SearchAsync(
        string query, int top, SearchFilter filter, CancellationToken cancellationToken = default) =>
        inner.SearchAsync(query, top, filter, cancellationToken);
}
