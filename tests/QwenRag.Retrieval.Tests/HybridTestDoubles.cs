using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;
using QwenRag.Core;

namespace QwenRag.Retrieval.Tests;

/// <summary>
/// A deterministic stand-in for a sentence embedding model: lower-cased words (with a crude plural strip) hashed
/// into 256 buckets and normalised, so texts sharing words are close. Lexical only, but stable across runs.
/// </summary>
internal sealed partial class HashingEmbeddingGenerator : IEmbeddingGenerator<string, Embedding<float>>
{
    private const int Dimensions = 256;

    private static readonly HashSet<string> Ignored = ["a", "an", "the", "of", "to", "in", "is", "was", "and", "what", "which", "how", "did", "does", "for", "with", "on"];

    public int Calls { get; private set; }

    public Task<GeneratedEmbeddings<Embedding<float>>> GenerateAsync(
        IEnumerable<string> values, EmbeddingGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls++;
        var embeddings = new GeneratedEmbeddings<Embedding<float>>();
        foreach (var value in values)
        {
            embeddings.Add(new Embedding<float>(Embed(value)));
        }

        return Task.FromResult(embeddings);
    }

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceKey is null && serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }

    private static float[] Embed(string text)
    {
        var vector = new float[Dimensions];
        foreach (Match match in Word().Matches(text.ToLowerInvariant()))
        {
            var word = match.Value.Length > 3 && match.Value.EndsWith('s') ? match.Value[..^1] : match.Value;
            if (Ignored.Contains(word))
            {
                continue;
            }

            var hash = 2166136261u;
            foreach (var c in word)
            {
                hash = (hash ^ c) * 16777619u;
            }

            vector[hash % Dimensions] += 1f;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex Word();
}

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
            .ThenBy(hit => hit.Chunk.Id, StringComparer.Ordinal)
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
