using Npgsql;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>
/// One test's catalog and queue storage: a temporary data directory (staged uploads, and the SQLite file) and, for
/// <see cref="StoreKind.Postgres"/>, a fresh database of the class's cluster. Each <c>New...</c> call opens another
/// instance over the same storage, as another process would.
/// </summary>
internal sealed class StoreUnderTest : IDisposable
{
    private readonly TemporaryDirectory _directory = new();
    private readonly List<IDisposable> _owned = [];
    private readonly string? _connectionString;

    public StoreUnderTest(StoreKind kind, PostgresCluster cluster)
    {
        Kind = kind;
        Data = new DataDirectory(_directory.Path);
        if (kind == StoreKind.Postgres)
        {
            _connectionString = cluster.CreateDatabase();
        }
    }

    public StoreKind Kind { get; }

    public DataDirectory Data { get; }

    public string ConnectionString => _connectionString ?? throw new InvalidOperationException("Not a PostgreSQL store.");

    /// <summary>A database owner with its own pool, as another process has.</summary>
    public PostgresDatabase NewDatabase() => Own(new PostgresDatabase(new PostgresOptions { ConnectionString = ConnectionString }));

    public IJobQueue NewQueue() => Kind == StoreKind.Sqlite
        ? new IngestionJobQueue(Data)
        : Own(new PostgresJobQueue(NewDatabase(), new StagedUploads(Data)));

    public IDocumentCatalog NewCatalog() => Kind == StoreKind.Sqlite
        ? new DocumentCatalog(Data)
        : new PostgresDocumentCatalog(NewDatabase());

    /// <summary>The schema version recorded for a component.</summary>
    public int SchemaVersion(string component) => Kind == StoreKind.Sqlite
        ? Data.Database.SchemaVersion(component)
        : NewDatabase().SchemaVersion(component);

    /// <summary>The version this build migrates a component to.</summary>
    public int LatestVersion(string component) => (Kind, component) switch
    {
        (StoreKind.Sqlite, DocumentCatalog.SchemaComponent) => DocumentCatalog.Migrations.Count,
        (StoreKind.Sqlite, _) => IngestionJobQueue.Migrations.Count,
        (StoreKind.Postgres, PostgresDocumentCatalog.SchemaComponent) => PostgresDocumentCatalog.Migrations.Count,
        _ => PostgresJobQueue.Migrations.Count,
    };

    /// <summary>Runs a statement of the test's own (a trigger that injects a failure) on the store's database.</summary>
    public void ExecuteSql(string sql)
    {
        if (Kind == StoreKind.Sqlite)
        {
            using var connection = Data.Database.Open();
            using var command = connection.CreateCommand();
            command.CommandText = sql;
            command.ExecuteNonQuery();
        }
        else
        {
            using var connection = new NpgsqlConnection(ConnectionString);
            connection.Open();
            using var command = new NpgsqlCommand(sql, connection);
            command.ExecuteNonQuery();
        }
    }

    public void Dispose()
    {
        foreach (var owned in _owned)
        {
            owned.Dispose();
        }

        _directory.Dispose();
    }

    private T Own<T>(T disposable)
        where T : IDisposable
    {
        lock (_owned)
        {
            _owned.Add(disposable);
        }

        return disposable;
    }
}
