namespace QwenRag.Core;

/// <summary>An answer as the CLI's <c>--json</c> and the REST API print it.</summary>
public sealed record AskResponse(string Answer, string Generator, IReadOnlyList<Citation> Citations);
