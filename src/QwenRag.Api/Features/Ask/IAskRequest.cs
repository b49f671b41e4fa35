namespace QwenRag.Api.Features.Ask;

/// <summary>What both ways of asking carry, so they share one set of rules.</summary>
public interface IAskRequest
{
    string Set { get; }

    string? Question { get; }

    int Top { get; }

    int? MaxTokens { get; }
}
