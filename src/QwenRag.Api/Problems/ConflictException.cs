namespace QwenRag.Api.Problems;

/// <summary>The request is valid but the resource is in the wrong state for it: 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
