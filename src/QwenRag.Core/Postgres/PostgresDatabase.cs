using System.Collections.Concurrent;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace QwenRag.Core.Postgres;

/// <summary>
/// The one owner of the process's <see cref="NpgsqlDataSource"/> (its connection pool): how connections are opened,
/// which schema version each component's tables are at, and which failures mean the database is unavailable
/// (<see cref="CatalogUnavailableException"/>) rather than a bug. Nothing connects until first use, so a process
/// whose database is down still starts, reports itself not ready, and works once the database is back.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable, IDisposable
{
    // One lock for every component's migrations (any constant works; this one spells "qwenrag" in ASCII).
    private const long MigrationLockKey = 0x71_77_65_6E_72_61_67;

    private const string MigrationsTable = """
        CREATE TABLE IF NOT EXISTS schema_migrations (
            component   text        NOT NULL,
            version     integer     NOT NULL,
            description text        NOT NULL,
            applied_at  timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (component, version))
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly ConcurrentDictionary<string, bool> _migrated = new(StringComparer.Ordinal);

    /// <exception cref="ArgumentException">The connection string is missing or does not parse.</exception>
    public PostgresDatabase(PostgresOptions options, ILoggerFactory? loggerFactory = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!options.Enabled)
        {
            throw new ArgumentException($"{PostgresOptions.SectionName}:ConnectionString is not set.", nameof(options));
        }

        var builder = new NpgsqlDataSourceBuilder(options.ConnectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        _dataSource = builder.Build();
        Description = options.Describe();
    }

    /// <summary>Where the database is, without credentials (e.g. <c>PostgreSQL at db:5432/qwenrag</c>).</summary>
    public string Description { get; }

    /// <summary>The pool, for work <see cref="Open"/> does not cover (a LISTEN connection).</summary>
    public NpgsqlDataSource DataSource => _dataSource;

    /// <summary>An open pooled connection; the caller disposes it.</summary>
    /// <exception cref="CatalogUnavailableException">The database cannot be reached.</exception>
    public NpgsqlConnection Open()
    {
        try
        {
            return _dataSource.OpenConnection();
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc cref="Open"/>
    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            return await _dataSource.OpenConnectionAsync(cancellationToken);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Brings <paramref name="component"/>'s tables up to the last of <paramref name="migrations"/>, once per process
    /// when it succeeds; a failure (database down) is not remembered, so the next call tries again.
    /// </summary>
    /// <exception cref="CatalogUnavailableException">The database cannot be reached.</exception>
    public void EnsureMigrated(string component, IReadOnlyList<PostgresMigration> migrations)
    {
        if (!_migrated.ContainsKey(component))
        {
            Migrate(component, migrations);
            _migrated[component] = true;
        }
    }

    /// <summary>
    /// Applies the steps of <paramref name="migrations"/> after the last one <c>schema_migrations</c> records for
    /// <paramref name="component"/>, each recorded with its description, all in one transaction under a
    /// transaction-scoped advisory lock: processes starting together wait for each other instead of running a step
    /// twice, and a crash leaves all or none of them. Returns the version the component was at before. A database
    /// at a later version than this build knows (a newer build wrote it) is left alone.
    /// </summary>
    /// <exception cref="ArgumentException">The versions are not 1, 2, 3, ... in order.</exception>
    /// <exception cref="CatalogUnavailableException">The database cannot be reached.</exception>
    public int Migrate(string component, IReadOnlyList<PostgresMigration> migrations)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(component);
        ArgumentNullException.ThrowIfNull(migrations);
        MigrationNumbering.Check(component, [.. migrations.Select(migration => migration.Version)], nameof(migrations));

        return Run(connection =>
        {
            using var transaction = connection.BeginTransaction();
            using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                command.Parameters.AddWithValue("key", MigrationLockKey);
                command.ExecuteNonQuery();
            }

            using (var command = new NpgsqlCommand(MigrationsTable, connection, transaction))
            {
                command.ExecuteNonQuery();
            }

            var before = Version(connection, transaction, component);
            foreach (var migration in migrations.Skip(before))
            {
                using (var step = new NpgsqlCommand(migration.Sql, connection, transaction))
                {
                    step.ExecuteNonQuery();
                }

                using var record = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (component, version, description) VALUES (@component, @version, @description)",
                    connection,
                    transaction);
                record.Parameters.AddWithValue("component", component);
                record.Parameters.AddWithValue("version", migration.Version);
                record.Parameters.AddWithValue("description", migration.Description);
                record.ExecuteNonQuery();
            }

            transaction.Commit();
            return before;
        });
    }

    /// <summary>The schema version recorded for <paramref name="component"/> (0: none yet).</summary>
    /// <exception cref="CatalogUnavailableException">The database cannot be reached.</exception>
    public int SchemaVersion(string component) => Run(connection =>
    {
        using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migrations') IS NOT NULL", connection);
        return exists.ExecuteScalar() is true ? Version(connection, null, component) : 0;
    });

    /// <summary>
    /// Runs <paramref name="work"/> on an open connection, turning an unreachable database into
    /// <see cref="CatalogUnavailableException"/>.
    /// </summary>
    public T Run<T>(Func<NpgsqlConnection, T> work)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            using var connection = _dataSource.OpenConnection();
            return work(connection);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <inheritdoc cref="Run"/>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        try
        {
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
            return await work(connection);
        }
        catch (Exception ex) when (IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    /// <summary>
    /// Whether <paramref name="exception"/> says the database is out of reach or refuses this process (connection
    /// refused or lost, timeout, server shutting down or out of connections, no such database, bad credentials),
    /// as opposed to a statement it rejected.
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        CatalogUnavailableException => false,
        PostgresException postgres => postgres.IsTransient
            || postgres.SqlState.StartsWith("08", StringComparison.Ordinal) // connection exception
            || postgres.SqlState.StartsWith("28", StringComparison.Ordinal) // invalid authorization
            || postgres.SqlState.StartsWith("53", StringComparison.Ordinal) // insufficient resources
            || postgres.SqlState.StartsWith("57", StringComparison.Ordinal) // operator intervention
            || postgres.SqlState == "3D000", // no such database
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is SocketException or IOException or TimeoutException,
        SocketException or TimeoutException => true,
        _ => false,
    };

    /// <summary>The exception that says the database is unavailable, naming where it is and why.</summary>
    public CatalogUnavailableException Unavailable(Exception cause) =>
        new($"The catalog database ({Description}) is unavailable: {cause.Message}", cause);

    public void Dispose() => _dataSource.Dispose();

    public ValueTask DisposeAsync() => _dataSource.DisposeAsync();

    private static int Version(NpgsqlConnection connection, NpgsqlTransaction? transaction, string component)
    {
        using var command = new NpgsqlCommand(
            "SELECT COALESCE(MAX(version), 0) FROM schema_migrations WHERE component = @component", connection, transaction);
        command.Parameters.AddWithValue("component", component);
        return Convert.ToInt32(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
