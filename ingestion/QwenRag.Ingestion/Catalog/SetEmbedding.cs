namespace QwenRag.Ingestion.Catalog;

/// <summary>
/// The embedding model a set's vectors were made with, stamped by its first document. <paramref name="PendingModel"/>
/// is set while a re-index switches the set to another model; until that finishes the set mixes both and is not
/// searched.
/// </summary>
public sealed record SetEmbedding(string Model, int Dimensions, string? PendingModel = null, int? PendingDimensions = null);
