using Microsoft.Data.Sqlite;

namespace QwenRag.Core;

/// <summary>Recognises a full disk however it surfaces: a file write (ENOSPC, EDQUOT) or SQLite (SQLITE_FULL).</summary>
public static class StorageFailures
{
    private const int Enospc = 28;
    private const int Edquot = 122;
    private const int SqliteFull = 13;

    // Windows reports ERROR_DISK_FULL (112) and ERROR_HANDLE_DISK_FULL (39) as HRESULTs.
    private const int WindowsDiskFull = unchecked((int)0x80070070);
    private const int WindowsHandleDiskFull = unchecked((int)0x80070027);

    /// <summary>Whether <paramref name="exception"/> or any exception inside it says the disk is full.</summary>
    public static bool IsDiskFull(Exception? exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case StorageFullException:
                    return true;
                case SqliteException sqlite when sqlite.SqliteErrorCode == SqliteFull:
                    return true;
                case IOException io when io.HResult is Enospc or Edquot or WindowsDiskFull or WindowsHandleDiskFull:
                    return true;
            }

            if (current is AggregateException aggregate && aggregate.InnerExceptions.Any(IsDiskFull))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// <paramref name="exception"/> as a <see cref="StorageFullException"/> when it says the disk is full, else null.
    /// </summary>
    public static StorageFullException? AsStorageFull(Exception exception) =>
        exception as StorageFullException
        ?? (IsDiskFull(exception) ? new StorageFullException(StorageFullException.DefaultMessage, exception) : null);
}
