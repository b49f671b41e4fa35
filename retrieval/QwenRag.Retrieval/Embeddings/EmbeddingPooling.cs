namespace QwenRag.Retrieval.Embeddings;

/// <summary>How a sentence embedding is pooled from the transformer's token vectors (sentence-transformers' 1_Pooling).</summary>
public enum EmbeddingPooling
{
    /// <summary>The mean over the real (unmasked) tokens: all-MiniLM-L6-v2.</summary>
    Mean,

    /// <summary>The first token's vector ([CLS]): arctic-embed, BGE.</summary>
    Cls,

    /// <summary>The last real token's vector: decoder models such as Qwen3-Embedding.</summary>
    LastToken,
}
