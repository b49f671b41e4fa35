using Mediator;
using QwenRag.Core;

namespace QwenRag.Api.Features.Ask;

/// <summary>Ask, answered as a stream of text deltas followed by the citations.</summary>
public sealed record StreamAnswer(string Set, string? Question, int Top, int? MaxTokens) : IStreamRequest<AnswerUpdate>, IAskRequest;
