namespace QwenRag.Cli;

/// <summary>A command cannot do what it was asked, for a reason the user can act on (the message says which).</summary>
internal sealed class CommandFailedException(string message, Exception? innerException = null) : Exception(message, innerException);
