namespace QwenRag.Api.Problems;

/// <summary>A job, document or other named thing that does not exist: 404.</summary>
public sealed class NotFoundException(string message) : Exception(message);
