using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;
using QwenRag.Core.Postgres;

namespace QwenRag.Core.Blobs;

/// <summary>
/// Blobs in PostgreSQL, reachable from every machine: a row per blob in <c>blobs</c> and its content in
/// <see cref="ChunkSize"/> rows of <c>blob_chunks</c>. A write streams the content in chunk by chunk inside one
/// transaction, so a blob appears (or is replaced) only at commit, and a failure rolls everything back; a read streams
/// it out chunk by chunk (<see cref="PostgresBlobReadStream"/>). Neither ever holds more than one chunk in memory.
/// The tables are component <see cref="SchemaComponent"/> of <see cref="PostgresDatabase"/>'s migrations, like the
/// catalog's and the queue's, applied on first use so that a database that is down does not stop a process starting.
/// </summary>
public sealed class PostgresBlobStore : IBlobStore, IAsyncDisposable, IDisposable
{
    /// <summary>The size of a chunk row: large enough that a round trip per chunk costs nothing, small enough to buffer.</summary>
    public const int ChunkSize = 1 << 20;

    public const string SchemaComponent = "blobs";

    private const string DiskFull = "53100";

    private readonly PostgresDatabase _database;
    private readonly bool _ownsDatabase;

    /// <summary>A store over its own <see cref="PostgresDatabase"/>, closed when the store is disposed.</summary>
    public PostgresBlobStore(string connectionString)
        : this(new PostgresDatabase(new PostgresOptions { ConnectionString = connectionString }), ownsDatabase: true)
    {
    }

    /// <summary>A store over the process's <see cref="PostgresDatabase"/>, which the caller owns.</summary>
    public PostgresBlobStore(PostgresDatabase database)
        : this(database, ownsDatabase: false)
    {
    }

    private PostgresBlobStore(PostgresDatabase database, bool ownsDatabase)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _ownsDatabase = ownsDatabase;
        var builder = new NpgsqlConnectionStringBuilder(database.DataSource.ConnectionString);
        Description = $"postgresql {builder.Host}:{builder.Port}/{builder.Database}";
    }

    public static IReadOnlyList<PostgresMigration> Migrations { get; } =
    [
        // IF NOT EXISTS: a database whose blob tables were made before they were a component (table blob_schema) keeps them.
        new(1, "blobs and blob_chunks", """
            -- Keys compare byte by byte ("C"), so that a prefix is a range of the primary key whatever the locale.
            CREATE TABLE IF NOT EXISTS blobs (
                key        text COLLATE "C" PRIMARY KEY,
                size       bigint NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE IF NOT EXISTS blob_chunks (
                key  text COLLATE "C" NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
                seq  integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (key, seq)
            );
            -- Uploads are mostly compressed already (PDF, DOCX): storing them as they are spares the attempt.
            ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            """),
    ];

    public string Description { get; }

    private NpgsqlDataSource DataSource => _database.DataSource;

    /// <summary>
    /// Creates or upgrades the tables now (they are otherwise on first use); safe to call from every process. Like the
    /// catalog's and the queue's, the migration is synchronous and <see cref="PostgresDatabase"/> runs it once.
    /// </summary>
    /// <exception cref="CatalogUnavailableException">The database cannot be reached.</exception>
    public Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _database.EnsureMigrated(SchemaComponent, Migrations);
        return Task.CompletedTask;
    }

    public async Task<long> WriteAsync(string key, Stream content, long? maxBytes = null, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        ArgumentNullException.ThrowIfNull(content);
        if (maxBytes is { } limit && content.CanSeek && content.Length - content.Position > limit)
        {
            throw new BlobTooLargeException(key, limit);
        }

        await InitializeAsync(cancellationToken);
        try
        {
            await using var connection = await DataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

            // Taking the row first locks the key: a concurrent writer of the same key waits for this one's commit.
            await using (var claim = new NpgsqlCommand(
                """
                INSERT INTO blobs (key, size, created_at) VALUES ($1, 0, now())
                ON CONFLICT (key) DO UPDATE SET size = 0, created_at = now()
                """,
                connection,
                transaction))
            {
                claim.Parameters.AddWithValue(key);
                await claim.ExecuteNonQueryAsync(cancellationToken);
            }

            await using (var clear = new NpgsqlCommand("DELETE FROM blob_chunks WHERE key = $1", connection, transaction))
            {
                clear.Parameters.AddWithValue(key);
                await clear.ExecuteNonQueryAsync(cancellationToken);
            }

            var total = await WriteChunksAsync(connection, transaction, key, content, maxBytes, cancellationToken);
            await using (var finish = new NpgsqlCommand("UPDATE blobs SET size = $2 WHERE key = $1", connection, transaction))
            {
                finish.Parameters.AddWithValue(key);
                finish.Parameters.AddWithValue(total);
                await finish.ExecuteNonQueryAsync(cancellationToken);
            }

            await transaction.CommitAsync(cancellationToken);
            return total;
        }
        catch (PostgresException ex) when (ex.SqlState == DiskFull)
        {
            throw new StorageFullException("disk full: the PostgreSQL server holding the blobs has no space left", ex);
        }
    }

    public async Task<Stream> OpenReadAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await InitializeAsync(cancellationToken);
        return await PostgresBlobReadStream.OpenAsync(DataSource, key, cancellationToken) ?? throw new BlobNotFoundException(key);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await InitializeAsync(cancellationToken);
        await using var command = DataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM blobs WHERE key = $1)");
        command.Parameters.AddWithValue(key);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await InitializeAsync(cancellationToken);
        await using var command = DataSource.CreateCommand("DELETE FROM blobs WHERE key = $1");
        command.Parameters.AddWithValue(key);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKey.ValidatePrefix(prefix);
        await InitializeAsync(cancellationToken);

        // A prefix match by range, not LIKE: no wildcard in a key can then widen it, and the primary key serves it.
        await using var command = DataSource.CreateCommand(
            "SELECT key, size, created_at FROM blobs WHERE key >= $1 AND left(key, length($1)) = $1 ORDER BY key");
        command.Parameters.AddWithValue(prefix);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            yield return new BlobInfo(reader.GetString(0), reader.GetInt64(1), reader.GetFieldValue<DateTimeOffset>(2));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsDatabase)
        {
            await _database.DisposeAsync();
        }
    }

    public void Dispose()
    {
        if (_ownsDatabase)
        {
            _database.Dispose();
        }
    }

    private static async Task<long> WriteChunksAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string key, Stream content, long? maxBytes, CancellationToken cancellationToken)
    {
        await using var insert = new NpgsqlCommand("INSERT INTO blob_chunks (key, seq, data) VALUES ($1, $2, $3)", connection, transaction);
        var seq = new NpgsqlParameter<int>();
        var data = new NpgsqlParameter<ReadOnlyMemory<byte>> { NpgsqlDbType = NpgsqlDbType.Bytea };
        insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        insert.Parameters.Add(seq);
        insert.Parameters.Add(data);

        // One buffer for every chunk: each is sent before the next is read.
        var buffer = new byte[ChunkSize];
        long total = 0;
        for (var next = 0; ; next++)
        {
            var read = await content.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false, cancellationToken);
            if (read == 0)
            {
                return total;
            }

            total += read;
            if (total > maxBytes)
            {
                throw new BlobTooLargeException(key, maxBytes.Value);
            }

            seq.TypedValue = next;
            data.TypedValue = buffer.AsMemory(0, read);
            await insert.ExecuteNonQueryAsync(cancellationToken);
            if (read < buffer.Length)
            {
                return total;
            }
        }
    }
}
