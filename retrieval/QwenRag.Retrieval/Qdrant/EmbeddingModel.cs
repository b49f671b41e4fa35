namespace QwenRag.Retrieval.Qdrant;

/// <summary>The embedding model a collection is built for: its name and the size of its vectors.</summary>
public sealed record EmbeddingModel(string Name, int Dimensions);
