namespace QwenRag.Core;

public sealed record SearchResponse(IReadOnlyList<SearchResult> Results);
