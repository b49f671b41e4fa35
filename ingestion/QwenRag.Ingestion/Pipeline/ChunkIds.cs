using System.Security.Cryptography;
using System.Text;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// Chunk ids are derived from set, document hash and position, so indexing the same document again
/// writes the same ids (an upsert, never a duplicate). They are UUIDs because Qdrant point ids must be.
/// </summary>
internal static class ChunkIds
{
    public static Guid For(string set, string documentId, int index)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes($"{set}\0{documentId}\0{index}"), hash);
        return new Guid(hash[..16]);
    }

    public static string DocumentIdFor(ReadOnlySpan<byte> content) =>
        Convert.ToHexStringLower(SHA256.HashData(content))[..32];
}
