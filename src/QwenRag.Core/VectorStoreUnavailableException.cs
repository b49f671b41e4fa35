namespace QwenRag.Core;

/// <summary>
/// A remote vector store (Qdrant) could not be reached or kept failing with a transient error after its retries.
/// The work may succeed later: an ingestion job is retried, a request answers 503.
/// </summary>
public sealed class VectorStoreUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
