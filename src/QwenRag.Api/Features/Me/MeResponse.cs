namespace QwenRag.Api.Features.Me;

/// <summary>Who the caller is: <c>admin</c>, <c>reader</c> or <c>open</c> (no keys configured), and the sets its key is limited to (null: all).</summary>
public sealed record MeResponse(string Role, IReadOnlyList<string>? Sets);
