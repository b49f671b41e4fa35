using Npgsql;
using NpgsqlTypes;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.Ingestion.Postgres;

/// <summary>
/// The catalog in PostgreSQL, shared by every query replica and worker; the same records and semantics as
/// <see cref="DocumentCatalog"/>. The schema is created or migrated on first use (<see cref="Migrations"/>).
/// </summary>
public sealed class PostgresDocumentCatalog : IDocumentCatalog
{
    public const string SchemaComponent = "catalog";

    private const string Columns = "set_name, id, name, original_path, bytes, pages, chunks, status, tags, ingested_at";

    private readonly PostgresDatabase _database;

    public PostgresDocumentCatalog(PostgresDatabase database)
    {
        ArgumentNullException.ThrowIfNull(database);
        _database = database;
    }

    public static IReadOnlyList<PostgresMigration> Migrations { get; } =
    [
        new(1, "documents", """
            CREATE TABLE documents (
                set_name      text        NOT NULL,
                id            text        NOT NULL,
                name          text        NOT NULL,
                original_path text        NOT NULL,
                bytes         bigint      NOT NULL,
                pages         integer     NOT NULL,
                chunks        integer     NOT NULL,
                status        text        NOT NULL CHECK (status IN ('Indexing', 'Ready')),
                tags          text[]      NOT NULL,
                ingested_at   timestamptz NOT NULL,
                PRIMARY KEY (set_name, id)
            );
            CREATE INDEX documents_by_name ON documents (set_name, name);
            CREATE INDEX documents_by_status ON documents (status);
            CREATE INDEX documents_by_original ON documents (original_path);
            """),

        // Every set before this version was embedded with all-MiniLM-L6-v2, the only model there was.
        new(2, "embedding model per set", $"""
            CREATE TABLE IF NOT EXISTS set_models (
                set_name           text    NOT NULL PRIMARY KEY,
                model              text    NOT NULL,
                dimensions         integer NOT NULL,
                pending_model      text,
                pending_dimensions integer
            );
            INSERT INTO set_models (set_name, model, dimensions)
            SELECT DISTINCT set_name, '{DocumentCatalog.LegacyModel}', {DocumentCatalog.LegacyDimensions} FROM documents
            ON CONFLICT (set_name) DO NOTHING;
            """),
    ];

    public DocumentEntry? Find(string set, string id) =>
        Query("WHERE set_name = @set AND id = @id", ("set", set), ("id", id)).FirstOrDefault();

    public IReadOnlyList<DocumentEntry> FindByName(string set, string name) =>
        Query("WHERE set_name = @set AND name = @name", ("set", set), ("name", name));

    public IReadOnlyList<DocumentEntry> List(string set) =>
        Query("WHERE set_name = @set ORDER BY name COLLATE \"C\", ingested_at", ("set", set));

    public IReadOnlyList<DocumentEntry> ListInterrupted() =>
        Query("WHERE status = @status", ("status", nameof(DocumentStatus.Indexing)));

    public bool SetExists(string set) => Run(connection =>
    {
        using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM documents WHERE set_name = @set)", connection);
        command.Parameters.AddWithValue("set", set);
        return command.ExecuteScalar() is true;
    });

    public void RequireSet(string set)
    {
        if (!SetExists(set))
        {
            throw new UnknownSetException(set);
        }
    }

    public IReadOnlyList<SetSummary> ListSets() => Run(connection =>
    {
        using var command = new NpgsqlCommand(
            """
            SELECT d.set_name, COUNT(*)::integer, SUM(d.chunks)::integer, SUM(d.pages)::integer, MAX(m.model) FROM documents d
            LEFT JOIN set_models m ON m.set_name = d.set_name
            WHERE d.status = 'Ready' GROUP BY d.set_name ORDER BY d.set_name COLLATE "C"
            """,
            connection);
        using var reader = command.ExecuteReader();
        return SetSummary.ReadAll(reader);
    });

    public void BeginIndexing(DocumentEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        Execute(
            """
            INSERT INTO documents (set_name, id, name, original_path, bytes, pages, chunks, status, tags, ingested_at)
            VALUES (@set, @id, @name, @path, @bytes, @pages, 0, 'Indexing', @tags, @at)
            ON CONFLICT (set_name, id) DO UPDATE SET
                name = excluded.name, original_path = excluded.original_path, bytes = excluded.bytes,
                pages = excluded.pages, chunks = 0, status = 'Indexing', tags = excluded.tags, ingested_at = excluded.ingested_at
            """,
            ("set", entry.Set),
            ("id", entry.Id),
            ("name", entry.Name),
            ("path", entry.OriginalPath),
            ("bytes", entry.Bytes),
            ("pages", entry.Pages),
            ("tags", entry.Tags.ToArray()),
            ("at", PostgresTime.Write(entry.IngestedAt)));
    }

    public void CompleteIndexing(string set, string id, int pages, int chunks) => Execute(
        """
        UPDATE documents SET status = 'Ready', pages = @pages, chunks = @chunks, ingested_at = @at
        WHERE set_name = @set AND id = @id
        """,
        ("pages", pages),
        ("chunks", chunks),
        ("at", PostgresTime.Write(DateTimeOffset.UtcNow)),
        ("set", set),
        ("id", id));

    public void Remove(string set, string id) => Run(connection =>
    {
        // A set whose last document goes no longer exists, and neither does its model: it may come back with another.
        using var transaction = connection.BeginTransaction();
        using (var command = new NpgsqlCommand("DELETE FROM documents WHERE set_name = @set AND id = @id", connection, transaction))
        {
            command.Parameters.AddWithValue("set", set);
            command.Parameters.AddWithValue("id", id);
            command.ExecuteNonQuery();
        }

        using (var command = new NpgsqlCommand(
            "DELETE FROM set_models WHERE set_name = @set AND NOT EXISTS (SELECT 1 FROM documents WHERE set_name = @set)", connection, transaction))
        {
            command.Parameters.AddWithValue("set", set);
            command.ExecuteNonQuery();
        }

        transaction.Commit();
        return 0;
    });

    public SetEmbedding? FindSetEmbedding(string set) => Run(connection => ReadSetEmbedding(connection, set));

    public SetEmbedding StampSet(string set, string model, int dimensions) => Run(connection =>
    {
        using (var command = new NpgsqlCommand(
            """
            INSERT INTO set_models (set_name, model, dimensions) VALUES (@set, @model, @dimensions)
            ON CONFLICT (set_name) DO NOTHING
            """,
            connection))
        {
            command.Parameters.AddWithValue("set", set);
            command.Parameters.AddWithValue("model", model);
            command.Parameters.AddWithValue("dimensions", dimensions);
            command.ExecuteNonQuery();
        }

        return ReadSetEmbedding(connection, set)!;
    });

    public void BeginModelSwitch(string set, string model, int dimensions) => Execute(
        "UPDATE set_models SET pending_model = @model, pending_dimensions = @dimensions WHERE set_name = @set",
        ("set", set),
        ("model", model),
        ("dimensions", dimensions));

    public void SwitchModel(string set, string model, int dimensions) => Execute(
        """
        INSERT INTO set_models (set_name, model, dimensions) VALUES (@set, @model, @dimensions)
        ON CONFLICT (set_name) DO UPDATE SET
            model = excluded.model, dimensions = excluded.dimensions, pending_model = NULL, pending_dimensions = NULL
        """,
        ("set", set),
        ("model", model),
        ("dimensions", dimensions));

    private static SetEmbedding? ReadSetEmbedding(NpgsqlConnection connection, string set)
    {
        using var command = new NpgsqlCommand(
            "SELECT model, dimensions, pending_model, pending_dimensions FROM set_models WHERE set_name = @set", connection);
        command.Parameters.AddWithValue("set", set);
        using var reader = command.ExecuteReader();
        return reader.Read()
            ? new SetEmbedding(
                reader.GetString(0), reader.GetInt32(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetInt32(3))
            : null;
    }

    public bool IsOriginalReferenced(string originalPath) => Run(connection =>
    {
        using var command = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM documents WHERE original_path = @path)", connection);
        command.Parameters.AddWithValue("path", originalPath);
        return command.ExecuteScalar() is true;
    });

    private T Run<T>(Func<NpgsqlConnection, T> work)
    {
        _database.EnsureMigrated(SchemaComponent, Migrations);
        return _database.Run(work);
    }

    private void Execute(string sql, params (string Name, object Value)[] parameters) => Run(connection =>
    {
        using var command = new NpgsqlCommand(sql, connection);
        foreach (var (name, value) in parameters)
        {
            var parameter = new NpgsqlParameter(name, value);
            if (value is string[])
            {
                parameter.NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text;
            }

            command.Parameters.Add(parameter);
        }

        return command.ExecuteNonQuery();
    });

    private List<DocumentEntry> Query(string where, params (string Name, object Value)[] parameters) => Run(connection =>
    {
        using var command = new NpgsqlCommand($"SELECT {Columns} FROM documents {where}", connection);
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        using var reader = command.ExecuteReader();
        var entries = new List<DocumentEntry>();
        while (reader.Read())
        {
            entries.Add(DocumentEntry.Read(reader, reader.GetFieldValue<string[]>(8), PostgresTime.Read(reader, 9)));
        }

        return entries;
    });
}
