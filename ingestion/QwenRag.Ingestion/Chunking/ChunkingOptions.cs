namespace QwenRag.Ingestion.Chunking;

/// <summary>Chunk sizes in word pieces of the embedding model's tokenizer.</summary>
public sealed class ChunkingOptions
{
    /// <summary>The model's input limit, [CLS] and [SEP] included: chunk text gets at most two fewer tokens.</summary>
    public int MaxTokens { get; set; } = 256;

    /// <summary>The size chunks aim for; a chunk only grows past it to avoid leaving a tiny one.</summary>
    public int TargetTokens { get; set; } = 200;

    /// <summary>At most this many tokens of whole trailing sentences repeat at the start of the next chunk.</summary>
    public int OverlapTokens { get; set; } = 40;
}
