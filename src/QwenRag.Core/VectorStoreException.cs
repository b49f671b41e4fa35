namespace QwenRag.Core;

/// <summary>
/// A remote vector store refused a request for a reason that retrying cannot fix (bad argument, missing collection,
/// wrong key); the message names the store and its answer.
/// </summary>
public sealed class VectorStoreException(string message, Exception? innerException = null)
    : Exception(message, innerException);
