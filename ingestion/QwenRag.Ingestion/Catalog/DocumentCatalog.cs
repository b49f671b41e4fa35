using System.Globalization;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Ingestion.Catalog;

/// <summary>
/// The sets and documents of a data directory, in its SQLite database. One writer at a time is enough here:
/// ingestion is serialised by its callers, and SQLite's WAL lets readers proceed meanwhile.
/// </summary>
public sealed class DocumentCatalog : IDocumentCatalog
{
    public const string SchemaComponent = "catalog";

    public static IReadOnlyList<SqliteMigration> Migrations { get; } =
    [
        SqliteMigration.Sql(1, "documents", """
            CREATE TABLE IF NOT EXISTS documents (
                set_name      TEXT NOT NULL,
                id            TEXT NOT NULL,
                name          TEXT NOT NULL,
                original_path TEXT NOT NULL,
                bytes         INTEGER NOT NULL,
                pages         INTEGER NOT NULL,
                chunks        INTEGER NOT NULL,
                status        TEXT NOT NULL,
                tags          TEXT NOT NULL,
                ingested_at   TEXT NOT NULL,
                PRIMARY KEY (set_name, id)
            );
            CREATE INDEX IF NOT EXISTS documents_by_name ON documents (set_name, name);
            """),
        new(2, "ingested_at as unix milliseconds like every other time", ConvertIngestedAtToUnixMilliseconds),
        new(3, "originals as blob keys instead of absolute paths", ConvertOriginalPathsToBlobKeys),

        // Every set before this version was embedded with all-MiniLM-L6-v2, the only model there was.
        SqliteMigration.Sql(4, "embedding model per set", $"""
            CREATE TABLE IF NOT EXISTS set_models (
                set_name           TEXT NOT NULL PRIMARY KEY,
                model              TEXT NOT NULL,
                dimensions         INTEGER NOT NULL,
                pending_model      TEXT,
                pending_dimensions INTEGER
            );
            INSERT OR IGNORE INTO set_models (set_name, model, dimensions)
            SELECT DISTINCT set_name, '{LegacyModel}', {LegacyDimensions} FROM documents;
            """),
    ];

    /// <summary>The model sets were embedded with before the model was recorded.</summary>
    public const string LegacyModel = "all-MiniLM-L6-v2";

    public const int LegacyDimensions = 384;

    private readonly SqliteDatabase _database;

    public DocumentCatalog(DataDirectory data)
        : this(data?.Database ?? throw new ArgumentNullException(nameof(data)))
    {
    }

    public DocumentCatalog(SqliteDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
        _database.Migrate(SchemaComponent, Migrations);
    }

    public DocumentEntry? Find(string set, string id)
    {
        using var connection = Open();
        return Query(connection, "WHERE set_name = $set AND id = $id", ("$set", set), ("$id", id)).FirstOrDefault();
    }

    public IReadOnlyList<DocumentEntry> FindByName(string set, string name)
    {
        using var connection = Open();
        return Query(connection, "WHERE set_name = $set AND name = $name", ("$set", set), ("$name", name));
    }

    public IReadOnlyList<DocumentEntry> List(string set)
    {
        using var connection = Open();
        return Query(connection, "WHERE set_name = $set ORDER BY name, ingested_at", ("$set", set));
    }

    /// <summary>Documents whose indexing was interrupted, in every set.</summary>
    public IReadOnlyList<DocumentEntry> ListInterrupted()
    {
        using var connection = Open();
        return Query(connection, "WHERE status = $status", ("$status", nameof(DocumentStatus.Indexing)));
    }

    public bool SetExists(string set)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM documents WHERE set_name = $set)";
        command.Parameters.AddWithValue("$set", set);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    /// <exception cref="UnknownSetException">The set holds no documents.</exception>
    public void RequireSet(string set)
    {
        if (!SetExists(set))
        {
            throw new UnknownSetException(set);
        }
    }

    public IReadOnlyList<SetSummary> ListSets()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.set_name, COUNT(*), SUM(d.chunks), SUM(d.pages), MAX(m.model) FROM documents d
            LEFT JOIN set_models m ON m.set_name = d.set_name
            WHERE d.status = 'Ready' GROUP BY d.set_name ORDER BY d.set_name
            """;
        using var reader = command.ExecuteReader();
        return SetSummary.ReadAll(reader);
    }

    /// <summary>Records a document as being indexed, replacing any earlier record of the same bytes.</summary>
    public void BeginIndexing(DocumentEntry entry)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            INSERT OR REPLACE INTO documents
                (set_name, id, name, original_path, bytes, pages, chunks, status, tags, ingested_at)
            VALUES ($set, $id, $name, $path, $bytes, $pages, 0, $status, $tags, $at)
            """;
        command.Parameters.AddWithValue("$set", entry.Set);
        command.Parameters.AddWithValue("$id", entry.Id);
        command.Parameters.AddWithValue("$name", entry.Name);
        command.Parameters.AddWithValue("$path", entry.OriginalPath);
        command.Parameters.AddWithValue("$bytes", entry.Bytes);
        command.Parameters.AddWithValue("$pages", entry.Pages);
        command.Parameters.AddWithValue("$status", nameof(DocumentStatus.Indexing));
        command.Parameters.AddWithValue("$tags", JsonSerializer.Serialize(entry.Tags));
        command.Parameters.AddWithValue("$at", SqliteDatabase.Timestamp(entry.IngestedAt));
        command.ExecuteNonQuery();
    }

    public void CompleteIndexing(string set, string id, int pages, int chunks)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            UPDATE documents SET status = $status, pages = $pages, chunks = $chunks, ingested_at = $at
            WHERE set_name = $set AND id = $id
            """;
        command.Parameters.AddWithValue("$status", nameof(DocumentStatus.Ready));
        command.Parameters.AddWithValue("$pages", pages);
        command.Parameters.AddWithValue("$chunks", chunks);
        command.Parameters.AddWithValue("$at", SqliteDatabase.Timestamp(DateTimeOffset.UtcNow));
        command.Parameters.AddWithValue("$set", set);
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    public void Remove(string set, string id)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        // A set whose last document goes no longer exists, and neither does its model: it may come back with another.
        command.CommandText = """
            DELETE FROM documents WHERE set_name = $set AND id = $id;
            DELETE FROM set_models WHERE set_name = $set AND NOT EXISTS (SELECT 1 FROM documents WHERE set_name = $set);
            """;
        command.Parameters.AddWithValue("$set", set);
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    }

    public SetEmbedding? FindSetEmbedding(string set)
    {
        using var connection = Open();
        return ReadSetEmbedding(connection, set);
    }

    public SetEmbedding StampSet(string set, string model, int dimensions)
    {
        using var connection = Open();
        using (var command = connection.CreateCommand())
        {
            command.CommandText = """
                INSERT INTO set_models (set_name, model, dimensions) VALUES ($set, $model, $dimensions)
                ON CONFLICT (set_name) DO NOTHING
                """;
            command.Parameters.AddWithValue("$set", set);
            command.Parameters.AddWithValue("$model", model);
            command.Parameters.AddWithValue("$dimensions", dimensions);
            command.ExecuteNonQuery();
        }

        return ReadSetEmbedding(connection, set)!;
    }

    public void BeginModelSwitch(string set, string model, int dimensions) => WriteSetModel(set, """
        UPDATE set_models SET pending_model = $model, pending_dimensions = $dimensions WHERE set_name = $set
        """, model, dimensions);

    public void SwitchModel(string set, string model, int dimensions) => WriteSetModel(set, """
        INSERT INTO set_models (set_name, model, dimensions) VALUES ($set, $model, $dimensions)
        ON CONFLICT (set_name) DO UPDATE SET
            model = excluded.model, dimensions = excluded.dimensions, pending_model = NULL, pending_dimensions = NULL
        """, model, dimensions);

    private void WriteSetModel(string set, string sql, string model, int dimensions)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue("$set", set);
        command.Parameters.AddWithValue("$model", model);
        command.Parameters.AddWithValue("$dimensions", dimensions);
        command.ExecuteNonQuery();
    }

    private static SetEmbedding? ReadSetEmbedding(SqliteConnection connection, string set)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT model, dimensions, pending_model, pending_dimensions FROM set_models WHERE set_name = $set";
        command.Parameters.AddWithValue("$set", set);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new SetEmbedding(
                reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3))
            : null;
    }

    /// <summary>Whether any record, in any set, still points at this original (its blob key).</summary>
    public bool IsOriginalReferenced(string originalPath)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT EXISTS (SELECT 1 FROM documents WHERE original_path = $path)";
        command.Parameters.AddWithValue("$path", originalPath);
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture) == 1;
    }

    private SqliteConnection Open() => _database.Open();

    /// <summary>
    /// Before the blob store, <c>original_path</c> held the absolute path of a file under <c>originals/</c>; it now
    /// holds that file's blob key (<see cref="OriginalKeys"/>), the same file in a local store, so that a data
    /// directory can move and originals can live in another store. A path of another shape is left as it is (and still read).
    /// </summary>
    private static void ConvertOriginalPathsToBlobKeys(SqliteConnection connection, SqliteTransaction transaction)
    {
        var paths = new List<string>();
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = "SELECT DISTINCT original_path FROM documents";
            using var reader = select.ExecuteReader();
            while (reader.Read())
            {
                paths.Add(reader.GetString(0));
            }
        }

        foreach (var path in paths)
        {
            if (OriginalKeys.FromStored(path) is not { } key || key == path)
            {
                continue;
            }

            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE documents SET original_path = $key WHERE original_path = $path";
            update.Parameters.AddWithValue("$key", key);
            update.Parameters.AddWithValue("$path", path);
            update.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// Version 1 stored <c>ingested_at</c> as ISO 8601 text; SQLite cannot change a column's type, so the table is
    /// rebuilt with the times converted by .NET's own parser (the one that read them before).
    /// </summary>
    private static void ConvertIngestedAtToUnixMilliseconds(SqliteConnection connection, SqliteTransaction transaction)
    {
        connection.CreateFunction(
            "qwenrag_iso_to_unix_ms",
            (string text) => DateTimeOffset.Parse(text, CultureInfo.InvariantCulture).ToUnixTimeMilliseconds(),
            isDeterministic: true);
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = """
            CREATE TABLE documents_v2 (
                set_name      TEXT NOT NULL,
                id            TEXT NOT NULL,
                name          TEXT NOT NULL,
                original_path TEXT NOT NULL,
                bytes         INTEGER NOT NULL,
                pages         INTEGER NOT NULL,
                chunks        INTEGER NOT NULL,
                status        TEXT NOT NULL,
                tags          TEXT NOT NULL,
                ingested_at   INTEGER NOT NULL,
                PRIMARY KEY (set_name, id)
            );
            INSERT INTO documents_v2
                (set_name, id, name, original_path, bytes, pages, chunks, status, tags, ingested_at)
            SELECT set_name, id, name, original_path, bytes, pages, chunks, status, tags,
                   CASE typeof(ingested_at) WHEN 'integer' THEN ingested_at ELSE qwenrag_iso_to_unix_ms(ingested_at) END
            FROM documents;
            DROP TABLE documents;
            ALTER TABLE documents_v2 RENAME TO documents;
            CREATE INDEX documents_by_name ON documents (set_name, name);
            """;
        command.ExecuteNonQuery();
    }

    private static List<DocumentEntry> Query(
        SqliteConnection connection, string where, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"""
            SELECT set_name, id, name, original_path, bytes, pages, chunks, status, tags, ingested_at
            FROM documents {where}
            """;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var entries = new List<DocumentEntry>();
        while (reader.Read())
        {
            var tags = JsonSerializer.Deserialize<string[]>(reader.GetString(8)) ?? [];
            entries.Add(DocumentEntry.Read(reader, tags, SqliteDatabase.ReadTimestamp(reader.GetInt64(9))));
        }

        return entries;
    }
}
