namespace QwenRag.Core;

/// <summary>A chunk found by a search, with the score of the index that found it (higher is better).</summary>
public sealed record ScoredChunk(ChunkRecord Chunk, double Score);
