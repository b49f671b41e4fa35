namespace QwenRag.SemanticKernel;

/// <summary>A document of a set, as <c>GET /v1/sets/{set}/documents</c> lists it.</summary>
public sealed record QwenRagDocument(
    string Id, string Name, string Status, int Pages, int Chunks, long Bytes, IReadOnlyList<string> Tags, DateTimeOffset IngestedAt);
