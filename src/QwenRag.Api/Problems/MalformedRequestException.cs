namespace QwenRag.Api.Problems;

/// <summary>A request body that cannot be read as what its Content-Type says (a broken multipart body): 400.</summary>
public sealed class MalformedRequestException(string message, Exception? innerException = null) : Exception(message, innerException);
