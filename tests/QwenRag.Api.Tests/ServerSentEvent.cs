namespace QwenRag.Api.Tests;

/// <summary>One server-sent event: its type (<c>message</c> when the server names none) and its data lines joined.</summary>
public sealed record ServerSentEvent(string Event, string Data);
