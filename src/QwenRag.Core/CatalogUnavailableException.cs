namespace QwenRag.Core;

/// <summary>
/// The database holding the catalog and the job queue (PostgreSQL) could not be reached, or refused the connection
/// for a reason an operator fixes (no such database, wrong password). The work may succeed later: an ingestion job is
/// retried, a request answers 503 and the process reports itself not ready.
/// </summary>
public sealed class CatalogUnavailableException(string message, Exception? innerException = null)
    : Exception(message, innerException);
