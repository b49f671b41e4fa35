using System.Data.Common;
using System.Net.Sockets;
using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Hosting.Worker;

/// <summary>
/// Tells a rejected document from a passing failure from a bug, looking through wrapped exceptions. A remote
/// vector store reports an outage as <see cref="VectorStoreUnavailableException"/> after its own retries, the catalog
/// database as <see cref="CatalogUnavailableException"/>; more
/// tests can be added with <see cref="IngestionFailureClassifier(IEnumerable{Func{Exception, bool}})"/>.
/// </summary>
public sealed class IngestionFailureClassifier
{
    // SQLite primary result codes that pass: BUSY, LOCKED, IOERR, FULL, PROTOCOL (a lock race in WAL).
    private static readonly HashSet<int> TransientSqliteCodes = [5, 6, 10, 13, 15];

    private readonly Func<Exception, bool>[] _transient;

    public IngestionFailureClassifier()
        : this([])
    {
    }

    /// <param name="transient">More tests for exceptions that pass, tried after the built-in ones.</param>
    public IngestionFailureClassifier(IEnumerable<Func<Exception, bool>> transient)
    {
        ArgumentNullException.ThrowIfNull(transient);
        _transient = [IsBuiltInTransient, .. transient];
    }

    public static IngestionFailureClassifier Default { get; } = new();

    /// <summary>
    /// Rejected when a <see cref="DocumentRejectedException"/> (or an <see cref="EmbeddingModelMismatchException"/>) is anywhere in the chain; else transient when any
    /// exception in it passes; else unexpected. A null cause (a failure with only a message) counts as rejected.
    /// </summary>
    public IngestionFailureKind Classify(Exception? cause)
    {
        // A set of another embedding model refuses every document until it is re-embedded: not worth a retry.
        if (cause is null || Chain(cause).Any(e => e is DocumentRejectedException or EmbeddingModelMismatchException))
        {
            return IngestionFailureKind.Rejected;
        }

        return Chain(cause).Any(e => _transient.Any(test => test(e)))
            ? IngestionFailureKind.Transient
            : IngestionFailureKind.Unexpected;
    }

    private static bool IsBuiltInTransient(Exception exception) => exception switch
    {
        _ when StorageFailures.IsDiskFull(exception) => true,
        SqliteException sqlite => TransientSqliteCodes.Contains(sqlite.SqliteErrorCode),

        // A database server (PostgreSQL) that says the failure may pass: a dropped connection, a failover.
        DbException { IsTransient: true } => true,

        // A file the worker cannot find is not passing: the staged upload or the original is gone.
        FileNotFoundException or DirectoryNotFoundException => false,
        IOException or HttpRequestException or SocketException or TimeoutException => true,

        // A remote vector store (Qdrant) that stayed unreachable through its own retries.
        VectorStoreUnavailableException => true,

        // The catalog and queue database (PostgreSQL) that could not be reached.
        CatalogUnavailableException => true,
        _ => false,
    };

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        var pending = new Stack<Exception>();
        pending.Push(exception);
        while (pending.Count > 0)
        {
            var current = pending.Pop();
            yield return current;
            if (current is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions)
                {
                    pending.Push(inner);
                }
            }
            else if (current.InnerException is { } inner)
            {
                pending.Push(inner);
            }
        }
    }
}
