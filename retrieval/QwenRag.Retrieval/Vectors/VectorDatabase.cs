using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QwenRag.Core;

namespace QwenRag.Retrieval.Vectors;

/// <summary>
/// The durable half of the embedded store: one SQLite file (WAL) with every chunk, its payload and its vector
/// as float32 bytes, plus a generation number per set that every write bumps in its transaction (how a store
/// notices another process's writes). Each write is one transaction, so a process killed mid-upsert leaves
/// either all or none of a batch. Writes must be serialised by the caller; reads may run
/// concurrently (each on its own pooled connection).
/// </summary>
internal sealed class VectorDatabase : IDisposable
{
    private const string Columns = "id, chunk_id, set_name, document_id, document_name, chunk_index, page_start, page_end, text, tags";

    public const string SchemaComponent = "vectors";

    private static readonly SqliteMigration[] Migrations =
    [
        SqliteMigration.Sql(1, "chunks and sets", """
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
            """),
    ];

    private readonly SqliteDatabase _database;
    private readonly SqliteConnection _writer;

    /// <summary>The file's owner is made here (synchronous NORMAL: vectors can be rebuilt from the originals).</summary>
    public VectorDatabase(string path)
        : this(new SqliteDatabase(path, SqliteSynchronous.Normal))
    {
    }

    public VectorDatabase(SqliteDatabase database)
    {
        _database = database;
        _database.Migrate(SchemaComponent, Migrations);
        _writer = _database.Open();
    }

    /// <summary>Every set with a generation (sets deleted since keep theirs, so a re-created set never repeats one).</summary>
    public List<string> SetNames()
    {
        var names = new List<string>();
        using var command = _writer.CreateCommand();
        command.CommandText = "SELECT set_name FROM sets";
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    /// <summary>
    /// One set's vectors in row-id order and its generation, read in one snapshot (null when it holds none).
    /// Uses the writer connection: the caller holds the store's write gate.
    /// </summary>
    public (VectorSet? Set, long Generation) LoadSet(string name)
    {
        using var transaction = _writer.BeginTransaction(deferred: true);
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.Parameters.AddWithValue("$set", name);
        command.CommandText = "SELECT generation FROM sets WHERE set_name = $set";
        var generation = command.ExecuteScalar() is long stored ? stored : 0;
        command.CommandText = "SELECT id, chunk_id, document_id, tags, vector FROM chunks WHERE set_name = $set ORDER BY id";
        VectorSet? set = null;
        using (var reader = command.ExecuteReader())
        {
            var bytes = Array.Empty<byte>();
            while (reader.Read())
            {
                var length = (int)reader.GetBytes(4, 0, null, 0, 0);
                if (bytes.Length < length)
                {
                    bytes = new byte[length];
                }

                reader.GetBytes(4, 0, bytes, 0, length);
                var vector = MemoryMarshal.Cast<byte, float>(bytes.AsSpan(0, length));
                set ??= new VectorSet(name, vector.Length) { Generation = generation };
                set.Upsert(reader.GetInt64(0), Guid.Parse(reader.GetString(1)), reader.GetString(2), ReadTags(reader.GetString(3)), vector);
            }
        }

        transaction.Commit();
        return (set, generation);
    }

    /// <summary>The set's generation as committed (0: never written). One primary-key lookup on a pooled connection.</summary>
    public long Generation(string set)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT generation FROM sets WHERE set_name = $set";
        command.Parameters.AddWithValue("$set", set);
        return command.ExecuteScalar() is long generation ? generation : 0;
    }

    /// <summary>Writes the chunks (replacing any with the same id) in one transaction.</summary>
    /// <returns>
    /// Each chunk's row id, and the new generation of every set touched: the chunks' sets and any set a chunk moved
    /// out of (found here, not in memory, so another process's copy of that set notices too).
    /// </returns>
    public (long[] RowIds, Dictionary<string, long> Generations) Upsert(IReadOnlyList<ChunkVector> chunks, IReadOnlyList<float[]> vectors)
    {
        using var transaction = _writer.BeginTransaction();
        using var previous = _writer.CreateCommand();
        previous.Transaction = transaction;
        previous.CommandText = "SELECT set_name FROM chunks WHERE chunk_id = $chunk";
        var previousChunk = previous.Parameters.Add(new SqliteParameter { ParameterName = "$chunk" });
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
        var touched = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < chunks.Count; i++)
        {
            var chunk = chunks[i].Chunk;
            previousChunk.Value = chunk.Id.ToString();
            if (previous.ExecuteScalar() is string previousSet)
            {
                touched.Add(previousSet);
            }

            touched.Add(chunk.Set);
            parameters[0].Value = chunk.Id.ToString();
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

        var generations = BumpGenerations(transaction, touched);
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

    /// <summary>Deletes the set's chunks; its generation row stays (bumped), so a set re-created later never repeats a generation.</summary>
    public long DeleteSet(string set)
    {
        using var transaction = _writer.BeginTransaction();
        using var command = _writer.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "DELETE FROM chunks WHERE set_name = $set";
        command.Parameters.AddWithValue("$set", set);
        command.ExecuteNonQuery();
        var generation = BumpGenerations(transaction, [set])[set];
        transaction.Commit();
        return generation;
    }

    /// <summary>The chunks stored under <paramref name="rowIds"/> (rows deleted meanwhile are absent).</summary>
    public Dictionary<long, ChunkRecord> Read(IReadOnlyList<long> rowIds)
    {
        var chunks = new Dictionary<long, ChunkRecord>(rowIds.Count);
        if (rowIds.Count == 0)
        {
            return chunks;
        }

        using var connection = _database.Open();
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
            chunks[reader.GetInt64(0)] = ReadChunk(reader);
        }

        return chunks;
    }

    /// <summary>
    /// Up to <paramref name="limit"/> of a set's chunks with their vectors, in row-id order after
    /// <paramref name="afterRowId"/> (a copy can resume from the last row it took).
    /// </summary>
    public List<(long RowId, ChunkVector Chunk)> ReadPage(string set, long afterRowId, int limit)
    {
        var page = new List<(long, ChunkVector)>(limit);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT {Columns}, vector FROM chunks WHERE set_name = $set AND id > $after ORDER BY id LIMIT $limit";
        command.Parameters.AddWithValue("$set", set);
        command.Parameters.AddWithValue("$after", afterRowId);
        command.Parameters.AddWithValue("$limit", limit);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var record = ReadChunk(reader);
            var vector = MemoryMarshal.Cast<byte, float>((byte[])reader.GetValue(10)).ToArray();
            page.Add((reader.GetInt64(0), new ChunkVector(record, vector)));
        }

        return page;
    }

    /// <summary>Chunks per document of a set.</summary>
    public Dictionary<string, long> CountByDocument(string set)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT document_id, COUNT(*) FROM chunks WHERE set_name = $set GROUP BY document_id";
        command.Parameters.AddWithValue("$set", set);
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            counts[reader.GetString(0)] = reader.GetInt64(1);
        }

        return counts;
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>The chunk of a row read with <see cref="Columns"/> first.</summary>
    private static ChunkRecord ReadChunk(SqliteDataReader reader) => new(
        Guid.Parse(reader.GetString(1)),
        reader.GetString(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.GetInt32(5),
        reader.GetInt32(6),
        reader.GetInt32(7),
        reader.GetString(8),
        ReadTags(reader.GetString(9)));

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
}
