using QwenRag.Ingestion.Chunking;

namespace QwenRag.Ingestion.Pipeline;

/// <summary>
/// A chunk and the text embedded for it: the chunk's own text, or with <see cref="IngestionOptions.EmbedContext"/>
/// the document's title and the chunk's heading before it. Only <see cref="TextChunk.Text"/> is stored and cited.
/// </summary>
public sealed record ContextualChunk(TextChunk Chunk, string EmbeddedText);
