using System.Globalization;
using Microsoft.Data.Sqlite;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Retrieval.Keywords;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

/// <summary>The one owner of the data directory's SQLite files: pragmas, schema versions, the time format.</summary>
public sealed class SqliteDatabaseTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    private string DatabasePath => Path.Combine(_directory.Path, "qwenrag.db");

    public void Dispose() => _directory.Dispose();

    [Theory]
    [InlineData(SqliteSynchronous.Full, 2L)]
    [InlineData(SqliteSynchronous.Normal, 1L)]
    public void Open_AnyConnection_HasTheDatabasePragmas(SqliteSynchronous synchronous, long expected)
    {
        var database = new SqliteDatabase(DatabasePath, synchronous);

        using var connection = database.Open();

        Assert.Equal("wal", Pragma(connection, "journal_mode"));
        Assert.Equal(expected, Pragma(connection, "synchronous"));
        Assert.Equal(1L, Pragma(connection, "foreign_keys"));
        Assert.Equal((long)SqliteDatabase.BusyTimeoutMilliseconds, Pragma(connection, "busy_timeout"));
    }

    [Fact]
    public void Migrate_TwiceAndFromManyOwnersAtOnce_RunsEachStepOnce()
    {
        SqliteMigration[] migrations =
        [
            SqliteMigration.Sql(1, "table", "CREATE TABLE runs (step INTEGER NOT NULL)"),
            SqliteMigration.Sql(2, "first row", "INSERT INTO runs (step) VALUES (2)"),
        ];

        Parallel.For(0, 8, _ => new SqliteDatabase(DatabasePath).Migrate("test", migrations));
        var database = new SqliteDatabase(DatabasePath);
        var before = database.Migrate("test", migrations);
        var later = database.Migrate("test", [.. migrations, SqliteMigration.Sql(3, "second row", "INSERT INTO runs (step) VALUES (3)")]);

        Assert.Equal((2, 2), (before, later));
        Assert.Equal(3, database.SchemaVersion("test"));
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT group_concat(step) FROM runs";
        Assert.Equal("2,3", command.ExecuteScalar());
    }

    [Fact]
    public void Migrate_StepFails_NothingOfItKeptAndVersionUnchanged()
    {
        var database = new SqliteDatabase(DatabasePath);
        SqliteMigration[] migrations =
        [
            SqliteMigration.Sql(1, "table", "CREATE TABLE kept (x INTEGER)"),
            SqliteMigration.Sql(2, "broken", "CREATE TABLE lost (x INTEGER); THIS IS NOT SQL"),
        ];

        Assert.Throws<SqliteException>(() => database.Migrate("test", migrations));

        Assert.Equal(0, database.SchemaVersion("test"));
        using var connection = database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('kept', 'lost')";
        Assert.Equal(0L, command.ExecuteScalar());
    }

    [Fact]
    public void Migrate_VersionsOutOfOrder_Throws()
    {
        var database = new SqliteDatabase(DatabasePath);

        Assert.Throws<ArgumentException>(() => database.Migrate("test", [SqliteMigration.Sql(2, "skips one", "SELECT 1")]));
    }

    [Fact]
    public void OpenOldDataDirectory_IsoTextTimesAndUnversionedTables_MigratedAndReadable()
    {
        // A data directory written before schema versions: catalog times as ISO text, jobs without retry columns.
        var ingested = new DateTimeOffset(2024, 5, 17, 9, 30, 12, 345, TimeSpan.FromHours(2));
        using (var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = """
                PRAGMA journal_mode = WAL;
                CREATE TABLE documents (
                    set_name TEXT NOT NULL, id TEXT NOT NULL, name TEXT NOT NULL, original_path TEXT NOT NULL,
                    bytes INTEGER NOT NULL, pages INTEGER NOT NULL, chunks INTEGER NOT NULL, status TEXT NOT NULL,
                    tags TEXT NOT NULL, ingested_at TEXT NOT NULL, PRIMARY KEY (set_name, id));
                CREATE INDEX documents_by_name ON documents (set_name, name);
                INSERT INTO documents VALUES ('docs', 'abc', 'a.pdf', '/o/abc.pdf', 10, 2, 3, 'Ready', '["t"]', $at);
                CREATE TABLE ingestion_jobs (
                    id TEXT PRIMARY KEY, set_name TEXT NOT NULL, document_name TEXT NOT NULL, content_type TEXT,
                    tags TEXT NOT NULL, status TEXT NOT NULL, progress REAL NOT NULL, error TEXT, document_id TEXT,
                    attempts INTEGER NOT NULL, lease_owner TEXT, lease_expires_at INTEGER,
                    created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
                INSERT INTO ingestion_jobs VALUES (
                    '0123456789abcdef0123456789abcdef', 'docs', 'b.md', NULL, '[]', 'Queued', 0, NULL, NULL, 0, NULL, NULL, 1000, 1000);
                """;
            command.Parameters.AddWithValue("$at", ingested.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        }

        var data = new DataDirectory(_directory.Path);
        var catalog = new DocumentCatalog(data);
        var queue = new IngestionJobQueue(data);
        _ = new SqliteKeywordIndex(data);

        var entry = Assert.Single(catalog.List("docs"));
        Assert.Equal(ingested, entry.IngestedAt);
        Assert.Equal((3, DocumentStatus.Ready), (entry.Chunks, entry.Status));
        Assert.Equal(DocumentCatalog.Migrations.Count, data.Database.SchemaVersion(DocumentCatalog.SchemaComponent));
        Assert.Equal(new SetEmbedding("all-MiniLM-L6-v2", 384), catalog.FindSetEmbedding("docs"));
        Assert.Equal("/o/abc.pdf", entry.OriginalPath); // not the originals/ layout: kept as it was, read as a path
        Assert.Equal(3, data.Database.SchemaVersion(IngestionJobQueue.SchemaComponent));
        Assert.Equal(1, data.Database.SchemaVersion(SqliteKeywordIndex.SchemaComponent));
        using (var connection = data.Database.Open())
        using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT typeof(ingested_at) FROM documents";
            Assert.Equal("integer", command.ExecuteScalar());
        }

        var job = queue.TryClaim("test:1:aaaa", TimeSpan.FromSeconds(30));
        Assert.Equal(("b.md", 0, null), (job?.DocumentName, job?.TransientFailures, job?.NextAttemptAt));
        Assert.Null(job?.TraceParent);

        // Opening again (another process, a restart) changes nothing.
        _ = new DocumentCatalog(new DataDirectory(_directory.Path));
        Assert.Equal(ingested, Assert.Single(catalog.List("docs")).IngestedAt);
    }

    private static object? Pragma(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = $"PRAGMA {name}";
        return command.ExecuteScalar();
    }
}
