using Mediator;
using QwenRag.Core;

namespace QwenRag.Api.Features.Search;

public sealed record SearchDocuments(string Set, string? Query, int Top, IReadOnlyList<string>? Documents, IReadOnlyList<string>? Tags)
    : IRequest<SearchResponse>;
