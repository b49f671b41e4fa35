using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QwenRag.Core;

namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// The durable half of the embedded store: one SQLite file (WAL) with every chunk, its payload and its vector
/// as float32 bytes, plus a generation number per set. Each write is one transaction, so a process killed
/// mid-upsert leaves either all or none of a batch. Writes must be serialised by the caller; reads may run
/// concurrently (each on its own pooled connection).
/// </summary>
internal sealed class VectorDatabase : IDisposable
{
    private const string Columns = "id, chunk_id, set_name, document_id, document_name, chunk_index, page_start, page_end, text, tags";

    private readonly string _connectionString;
    private readonly SqliteConnection _writer;

    public VectorDatabase(string path)
    {
        _connectionString = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true }.ToString();
        _writer = new SqliteConnection(_connectionString);
        _writer.Open();
        Execute(_writer, """
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            CREATE TABLE IF NOT EXISTS chunks (
                id INTEGER PRIMARY KEY,
                chunk_id TEXT NOT NULL UNIQUE,
                set_name TEXT NOT NULL,
                document_id TEXT NOT NULL,
                document_name TEXT NOT NULL,
                chunk_index INTEGER NOT NULL,
                page_start INTEGER NOT NULL,
                page_end INTEGER NOT NULL,
                text TEXT NOT NULL,
                tags TEXT NOT NULL,
                vector BLOB NOT NULL);
            CREATE INDEX IF NOT EXISTS chunks_set_document ON chunks (set_name, document_id);
            CREATE TABLE IF NOT EXISTS sets (
                set_name TEXT PRIMARY KEY,
                generation INTEGER NOT NULL);
            """);
    }

    /// <summary>Every stored vector, set by set in row-id order, with the sets' generations.</summary>
    public Dictionary<string, VectorSet> Load()
    {
        var sets = new Dictionary<string, VectorSet>(StringComparer.Ordinal);
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT id, chunk_id, set_name, document_id, tags, vector FROM chunks ORDER BY id";
        using (var reader = command.ExecuteReader())
        {
            var bytes = Array.Empty<byte>();
            while (reader.Read())
            {
                var setName = reader.GetString(2);
                var length = (int)reader.GetBytes(5, 0, null, 0, 0);
                if (bytes.Length < length)
                {
                    bytes = new byte[length];
                }

                reader.GetBytes(5, 0, bytes, 0, length);
                var vector = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length));
                if (!sets.TryGetValue(setName, out var set))
                {
                    sets[setName] = set = new VectorSet(setName, vector.Length);
                }

                set.Upsert(reader.GetInt64(0), reader.GetString(1), reader.GetString(3), ReadTags(reader.GetString(4)), vector);
            }
        }

        command.CommandText = "SELECT set_name, generation FROM sets";
        using var generations = command.ExecuteReader();
        while (generations.Read())
        {
            if (sets.TryGetValue(generations.GetString(0), out var set))
            {
                set.Generation = generations.GetInt64(1);
            }
        }

        return sets;
    }

    /// <summary>Writes the chunks (replacing any with the same id) in one transaction.</summary>
    /// <returns>Each chunk's row id, and the new generation of every set touched (including <paramref name="alsoTouched"/>).</returns>
    public (long[] RowIds, Dictionary<string, long> Generations) Upsert(
        IReadOnlyList<ChunkVector> chunks, IReadOnlyList<float[]> vectors, IEnumerable<string> alsoTouched)
    {
        using var transaction = _writer.BeginTransaction();
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO chunks (chunk_id, set_name, document_id, document_name, chunk_index, page_start, page_end, text, tags, vector)
            VALUES ($chunk, $set, $document, $name, $index, $start, $end, $text, $tags, $vector)
            ON CONFLICT (chunk_id) DO UPDATE SET
                set_name = excluded.set_name, document_id = excluded.document_id, document_name = excluded.document_name,
                chunk_index = excluded.chunk_index, page_start = excluded.page_start, page_end = excluded.page_end,
                text = excluded.text, tags = excluded.tags, vector = excluded.vector
            RETURNING id
            """;
        var parameters = new[] { "$chunk", "$set", "$document", "$name", "$index", "$start", "$end", "$text", "$tags", "$vector" }
            .Select(name => command.Parameters.Add(new SqliteParameter { ParameterName = name }))
            .ToArray();
        command.Prepare();
        var rowIds = new long[chunks.Count];
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i].Chunk;
            parameters[0].Value = chunk.Id;
            parameters[1].Value = chunk.Set;
            parameters[2].Value = chunk.DocumentId;
            parameters[3].Value = chunk.DocumentName;
            parameters[4].Value = chunk.Index;
            parameters[5].Value = chunk.PageStart;
            parameters[6].Value = chunk.PageEnd;
            parameters[7].Value = chunk.Text;
            parameters[8].Value = JsonSerializer.Serialize(chunk.Tags.ToArray(), VectorJsonContext.Default.StringArray);
            parameters[9].Value = MemoryMarshal.AsBytes(vectors[i].AsSpan()).ToArray();
            rowIds[i] = (long)command.ExecuteScalar()!;
        }

        var generations = BumpGenerations(transaction, chunks.Select(c => c.Chunk.Set).Concat(alsoTouched));
        transaction.Commit();
        return (rowIds, generations);
    }

    public long DeleteDocument(string set, string documentId)
    {
        using var transaction = _writer.BeginTransaction();
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM chunks WHERE set_name = $set AND document_id = $document";
        command.Parameters.AddWithValue("$set", set);
        command.Parameters.AddWithValue("$document", documentId);
        command.ExecuteNonQuery();
        var generation = BumpGenerations(transaction, [set])[set];
        transaction.Commit();
        return generation;
    }

    public void DeleteSet(string set)
    {
        using var transaction = _writer.BeginTransaction();
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM chunks WHERE set_name = $set; DELETE FROM sets WHERE set_name = $set;";
        command.Parameters.AddWithValue("$set", set);
        command.ExecuteNonQuery();
        transaction.Commit();
    }

    /// <summary>The chunks stored under <paramref name="rowIds"/> (rows deleted meanwhile are absent).</summary>
    public Dictionary<long, ChunkRecord> Read(IReadOnlyList<long> rowIds)
    {
        var chunks = new Dictionary<long, ChunkRecord>(rowIds.Count);
        if (rowIds.Count == 0)
        {
            return chunks;
        }

        using var connection = new SqliteConnection(_connectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        var names = new string[rowIds.Count];
        for (var i = 0; i < rowIds.Count; i++)
        {
            names[i] = "$r" + i;
            command.Parameters.AddWithValue(names[i], rowIds[i]);
        }

        command.CommandText = $"SELECT {Columns} FROM chunks WHERE id IN ({string.Join(',', names)})";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            chunks[reader.GetInt64(0)] = new ChunkRecord(
                reader.GetString(1),
                reader.GetString(2),
                reader.GetString(3),
                reader.GetString(4),
                reader.GetInt32(5),
                reader.GetInt32(6),
                reader.GetInt32(7),
                reader.GetString(8),
                ReadTags(reader.GetString(9)));
        }

        return chunks;
    }

    public void Dispose() => _writer.Dispose();

    private static string[] ReadTags(string json) =>
        json is "[]" ? [] : JsonSerializer.Deserialize(json, VectorJsonContext.Default.StringArray) ?? [];

    private Dictionary<string, long> BumpGenerations(SqliteTransaction transaction, IEnumerable<string> sets)
    {
        var generations = new Dictionary<string, long>(StringComparer.Ordinal);
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            INSERT INTO sets (set_name, generation) VALUES ($set, 1)
            ON CONFLICT (set_name) DO UPDATE SET generation = generation + 1
            RETURNING generation
            """;
        var parameter = command.Parameters.Add(new SqliteParameter { ParameterName = "$set" });
        foreach (var set in sets.Distinct(StringComparer.Ordinal))
        {
            parameter.Value = set;
            generations[set] = (long)command.ExecuteScalar()!;
        }

        return generations;
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
