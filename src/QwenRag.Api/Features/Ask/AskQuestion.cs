using Mediator;
using QwenRag.Core;

namespace QwenRag.Api.Features.Ask;

/// <summary>Ask, answered whole.</summary>
public sealed record AskQuestion(string Set, string? Question, int Top, int? MaxTokens) : IRequest<AskResponse>, IAskRequest;
