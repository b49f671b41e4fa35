namespace QwenRag.Core;

/// <summary>A chunk with its embedding, ready for a vector store.</summary>
public sealed record ChunkVector(ChunkRecord Chunk, ReadOnlyMemory<float> Vector);
