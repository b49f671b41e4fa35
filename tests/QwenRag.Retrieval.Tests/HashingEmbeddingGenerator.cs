using System.Text.RegularExpressions;
using Microsoft.Extensions.AI;

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
