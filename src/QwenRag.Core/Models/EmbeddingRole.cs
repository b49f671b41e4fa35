namespace QwenRag.Core.Models;

/// <summary>
/// What a text is embedded as. Asymmetric models (arctic-embed, Qwen3-Embedding) embed a search query with an
/// instruction or prefix and a document bare; symmetric ones (all-MiniLM-L6-v2) treat both alike.
/// </summary>
public enum EmbeddingRole
{
    Document,
    Query,
}
