using System.Globalization;
using Microsoft.Data.Sqlite;

namespace QwenRag.Core;

/// <summary>
/// The one owner of a SQLite file of the data directory: how connections are made (pooled, WAL, busy timeout,
/// <c>synchronous</c>, foreign keys), which schema version each component's tables are at, and how times are
/// stored (<see cref="Timestamp"/>: unix milliseconds, INTEGER). Components keep their own SQL and get
/// connections and migrations here, so every class sharing the file opens it the same way.
/// </summary>
public sealed class SqliteDatabase
{
    /// <summary>How long a statement waits for another connection's write lock before it fails as busy.</summary>
    public const int BusyTimeoutMilliseconds = 30_000;

    private const string VersionsTable = """
        CREATE TABLE IF NOT EXISTS schema_versions (
            component TEXT PRIMARY KEY,
            version   INTEGER NOT NULL)
        """;

    private readonly string _connectionString;
    private readonly string _pragmas;

    /// <summary>Opens (creating when missing) the database at <paramref name="path"/> and switches it to WAL.</summary>
    public SqliteDatabase(string path, SqliteSynchronous synchronous = SqliteSynchronous.Full)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        Synchronous = synchronous;
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = BusyTimeoutMilliseconds / 1000,
        }.ToString();
        _pragmas = string.Create(
            CultureInfo.InvariantCulture,
            $"PRAGMA busy_timeout = {BusyTimeoutMilliseconds}; PRAGMA synchronous = {synchronous.ToString().ToUpperInvariant()}; PRAGMA foreign_keys = ON;");

        // The journal mode is a property of the file: set once, every later connection finds it in WAL.
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA journal_mode = WAL";
        command.ExecuteNonQuery();
    }

    public string Path { get; }

    public SqliteSynchronous Synchronous { get; }

    /// <summary>The connection string every connection to this file uses (one pool per file).</summary>
    public string ConnectionString => _connectionString;

    /// <summary>An open pooled connection with this database's pragmas applied; the caller disposes it.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = _pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Brings <paramref name="component"/>'s tables up to the last of <paramref name="migrations"/>: the steps after
    /// the version recorded in <c>schema_versions</c> run in one immediate transaction together with the new version,
    /// so a crash leaves either all or none of them, and processes migrating at once wait for each other instead of
    /// running a step twice. Returns the version the component was at before. A database at a later version than
    /// this build knows (a newer build wrote it) is left alone.
    /// </summary>
    /// <exception cref="ArgumentException">The versions are not 1, 2, 3, ... in order.</exception>
    public int Migrate(string component, IReadOnlyList<SqliteMigration> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(component);
        ArgumentNullException.ThrowIfNull(migrations);
        MigrationNumbering.Check(component, [.. migrations.Select(migration => migration.Version)], nameof(migrations));

        using var connection = Open();

        // Read first without the write lock: an up-to-date database (every start but the first) writes nothing,
        // which also lets a process start while the disk is full.
        if (TableExists(connection, "schema_versions") && Version(connection, null, component) >= migrations.Count)
        {
            return migrations.Count;
        }

        using var transaction = connection.BeginTransaction(deferred: false);
        Execute(connection, transaction, VersionsTable);
        var before = Version(connection, transaction, component);
        foreach (var migration in migrations.Skip(before))
        {
            migration.Apply(connection, transaction);
        }

        if (before < migrations.Count)
        {
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = """
                INSERT INTO schema_versions (component, version) VALUES ($component, $version)
                ON CONFLICT (component) DO UPDATE SET version = excluded.version
                """;
            record.Parameters.AddWithValue("$component", component);
            record.Parameters.AddWithValue("$version", migrations.Count);
            record.ExecuteNonQuery();
        }

        transaction.Commit();
        return before;
    }

    /// <summary>The schema version recorded for <paramref name="component"/> (0: none yet).</summary>
    public int SchemaVersion(string component)
    {
        using var connection = Open();
        return TableExists(connection, "schema_versions") ? Version(connection, null, component) : 0;
    }

    /// <summary>How every table of the data directory stores a time: unix milliseconds, as an INTEGER.</summary>
    public static long Timestamp(DateTimeOffset time) => time.ToUnixTimeMilliseconds();

    /// <summary>A time stored by <see cref="Timestamp"/>.</summary>
    public static DateTimeOffset ReadTimestamp(long stored) => DateTimeOffset.FromUnixTimeMilliseconds(stored);

    /// <summary>Now, at the precision the database keeps, so that what is returned equals what is read back.</summary>
    public static DateTimeOffset Now() => ReadTimestamp(Timestamp(DateTimeOffset.UtcNow));

    private static bool TableExists(SqliteConnection connection, string table)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = $name)";
        command.Parameters.AddWithValue("$name", table);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    private static int Version(SqliteConnection connection, SqliteTransaction? transaction, string component)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT version FROM schema_versions WHERE component = $component";
        command.Parameters.AddWithValue("$component", component);
        return command.ExecuteScalar() is long version ? (int)version : 0;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
