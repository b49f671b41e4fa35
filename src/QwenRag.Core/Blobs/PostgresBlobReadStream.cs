using System.Data;
using Npgsql;

namespace QwenRag.Core.Blobs;

/// <summary>
/// A blob read from PostgreSQL one chunk at a time, each chunk streamed off the connection as it is consumed, so
/// that memory holds a network buffer, never the blob. It owns a connection in a read-only repeatable-read
/// transaction: every chunk comes from the same snapshot, so an overwrite meanwhile is not seen half-way.
/// </summary>
internal sealed class PostgresBlobReadStream : Stream
{
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private readonly NpgsqlCommand _chunk;
    private readonly long _size;
    private NpgsqlDataReader? _reader;
    private Stream? _current;
    private int _nextSeq;
    private long _position;
    private bool _ended;

    private PostgresBlobReadStream(NpgsqlConnection connection, NpgsqlTransaction transaction, string key, long size)
    {
        _connection = connection;
        _transaction = transaction;
        _size = size;
        _ended = size == 0;
        _chunk = new NpgsqlCommand("SELECT data FROM blob_chunks WHERE key = $1 AND seq = $2", connection, transaction);
        _chunk.Parameters.Add(new NpgsqlParameter<string> { TypedValue = key });
        _chunk.Parameters.Add(new NpgsqlParameter<int>());
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    /// <summary>Opens the blob, or null when there is none; the connection is closed again when there is none.</summary>
    public static async Task<PostgresBlobReadStream?> OpenAsync(NpgsqlDataSource dataSource, string key, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
            await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", connection, transaction))
            {
                await readOnly.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var find = new NpgsqlCommand("SELECT size FROM blobs WHERE key = $1", connection, transaction);
            find.Parameters.AddWithValue(key);
            if (await find.ExecuteScalarAsync(cancellationToken) is not long size)
            {
                await connection.DisposeAsync();
                return null;
            }

            return new PostgresBlobReadStream(connection, transaction, key, size);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.Length == 0)
        {
            return 0;
        }

        while (!_ended)
        {
            if (_current is null && (_position == _size || !await NextChunkAsync(cancellationToken)))
            {
                _ended = true;
                break;
            }

            var read = await _current!.ReadAsync(buffer, cancellationToken);
            if (read > 0)
            {
                _position += read;
                return read;
            }

            await EndChunkAsync();
        }

        if (_position != _size)
        {
            throw new IOException($"The blob ended after {_position} of its {_size} bytes: its chunks are incomplete.");
        }

        return 0;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        await EndChunkAsync();
        await _chunk.DisposeAsync();
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current?.Dispose();
            _reader?.Dispose();
            _chunk.Dispose();
            _transaction.Dispose();
            _connection.Dispose();
        }

        base.Dispose(disposing);
    }

    private async Task<bool> NextChunkAsync(CancellationToken cancellationToken)
    {
        ((NpgsqlParameter<int>)_chunk.Parameters[1]).TypedValue = _nextSeq++;

        // Sequential access: the chunk's bytes are read off the wire as the caller consumes them, not buffered whole.
        _reader = await _chunk.ExecuteReaderAsync(CommandBehavior.SequentialAccess | CommandBehavior.SingleRow, cancellationToken);
        if (!await _reader.ReadAsync(cancellationToken))
        {
            await EndChunkAsync();
            _ended = true;
            return false;
        }

        _current = await _reader.GetStreamAsync(0, cancellationToken);
        return true;
    }

    private async Task EndChunkAsync()
    {
        if (_current is not null)
        {
            await _current.DisposeAsync();
            _current = null;
        }

        if (_reader is not null)
        {
            await _reader.DisposeAsync();
            _reader = null;
        }
    }
}
