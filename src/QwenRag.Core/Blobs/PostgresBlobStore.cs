using System.Runtime.CompilerServices;
using Npgsql;
using NpgsqlTypes;

namespace QwenRag.Core.Blobs;

/// <summary>
/// Blobs in PostgreSQL, reachable from every machine: a row per blob in <c>blobs</c> and its content in
/// <see cref="ChunkSize"/> rows of <c>blob_chunks</c>. A write streams the content in chunk by chunk inside one
/// transaction, so a blob appears (or is replaced) only at commit, and a failure rolls everything back; a read streams
/// it out chunk by chunk (<see cref="PostgresBlobReadStream"/>). Neither ever holds more than one chunk in memory.
/// The tables are created on first use (<see cref="PostgresBlobSchema"/>).
/// </summary>
public sealed class PostgresBlobStore : IBlobStore, IAsyncDisposable, IDisposable
{
    /// <summary>The size of a chunk row: large enough that a round trip per chunk costs nothing, small enough to buffer.</summary>
    public const int ChunkSize = 1 << 20;

    private const string DiskFull = "53100";

    private readonly NpgsqlDataSource _dataSource;
    private readonly bool _ownsDataSource;
    private readonly SemaphoreSlim _schemaLock = new(1, 1);
    private volatile bool _schemaReady;

    /// <summary>A store over its own connection pool, closed when the store is disposed.</summary>
    public PostgresBlobStore(string connectionString)
        : this(NpgsqlDataSource.Create(connectionString), ownsDataSource: true)
    {
    }

    /// <summary>A store over a pool the caller owns.</summary>
    public PostgresBlobStore(NpgsqlDataSource dataSource)
        : this(dataSource, ownsDataSource: false)
    {
    }

    private PostgresBlobStore(NpgsqlDataSource dataSource, bool ownsDataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _ownsDataSource = ownsDataSource;
        var builder = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        Description = $"postgresql {builder.Host}:{builder.Port}/{builder.Database}";
    }

    public string Description { get; }

    /// <summary>Creates or upgrades the tables now (they are otherwise on first use); safe to call from every process.</summary>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        if (_schemaReady)
        {
            return;
        }

        await _schemaLock.WaitAsync(cancellationToken);
        try
        {
            if (!_schemaReady)
            {
                await PostgresBlobSchema.EnsureAsync(_dataSource, cancellationToken);
                _schemaReady = true;
            }
        }
        finally
        {
            _schemaLock.Release();
        }
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
            await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
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
        return await PostgresBlobReadStream.OpenAsync(_dataSource, key, cancellationToken) ?? throw new BlobNotFoundException(key);
    }

    public async Task<bool> ExistsAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("SELECT EXISTS (SELECT 1 FROM blobs WHERE key = $1)");
        command.Parameters.AddWithValue(key);
        return await command.ExecuteScalarAsync(cancellationToken) is true;
    }

    public async Task<bool> DeleteAsync(string key, CancellationToken cancellationToken = default)
    {
        BlobKey.Validate(key);
        await InitializeAsync(cancellationToken);
        await using var command = _dataSource.CreateCommand("DELETE FROM blobs WHERE key = $1");
        command.Parameters.AddWithValue(key);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async IAsyncEnumerable<BlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        BlobKey.ValidatePrefix(prefix);
        await InitializeAsync(cancellationToken);

        // A prefix match by range, not LIKE: no wildcard in a key can then widen it, and the primary key serves it.
        await using var command = _dataSource.CreateCommand(
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
        _schemaLock.Dispose();
        if (_ownsDataSource)
        {
            await _dataSource.DisposeAsync();
        }
    }

    public void Dispose()
    {
        _schemaLock.Dispose();
        if (_ownsDataSource)
        {
            _dataSource.Dispose();
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
