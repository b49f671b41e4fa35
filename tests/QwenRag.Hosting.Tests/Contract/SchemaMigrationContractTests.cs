using Npgsql;
using QwenRag.Core.Postgres;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>Schemas are created on first use, once, however many processes start at the same moment, and re-running is harmless.</summary>
public sealed class SchemaMigrationContractTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private StoreUnderTest? _store;

    public void Dispose() => _store?.Dispose();

    [Theory]
    [InlineData(StoreKind.Sqlite)]
    [PostgresInlineData(StoreKind.Postgres)]
    public async Task Open_ManyInstancesAtOnceOnAnEmptyStore_SchemaCreatedOnceAndUsable(StoreKind store)
    {
        _store = new StoreUnderTest(store, cluster);
        using var start = new Barrier(16);

        var counts = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(() =>
        {
            start.SignalAndWait();
            return i % 2 == 0 ? _store.NewCatalog().List("docs").Count : _store.NewQueue().List().Count;
        })));

        Assert.All(counts, count => Assert.Equal(0, count));
        Assert.Equal(_store.LatestVersion(DocumentCatalog.SchemaComponent), _store.SchemaVersion(DocumentCatalog.SchemaComponent));
        Assert.Equal(_store.LatestVersion(IngestionJobQueue.SchemaComponent), _store.SchemaVersion(IngestionJobQueue.SchemaComponent));

        // Opening again, as every later start does, changes nothing.
        Assert.Empty(_store.NewCatalog().ListSets());
        Assert.False(_store.NewQueue().HasUnfinishedJobs());
        Assert.Equal(_store.LatestVersion(DocumentCatalog.SchemaComponent), _store.SchemaVersion(DocumentCatalog.SchemaComponent));
    }

    [PostgresFact]
    public async Task Migrate_ConcurrentStartersAndReruns_EachStepAppliedOnceAndRecorded()
    {
        _store = new StoreUnderTest(StoreKind.Postgres, cluster);

        // CREATE TABLE without IF NOT EXISTS: a step that ran twice would fail.
        PostgresMigration[] steps =
        [
            new(1, "widgets", "CREATE TABLE widgets (id integer PRIMARY KEY)"),
            new(2, "widget names", "ALTER TABLE widgets ADD COLUMN name text"),
            new(3, "first widget", "INSERT INTO widgets (id, name) VALUES (1, 'one')"),
        ];
        using var start = new Barrier(10);
        var before = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Task.Run(() =>
        {
            var database = _store.NewDatabase();
            start.SignalAndWait();
            return database.Migrate("widgets", steps);
        })));

        Assert.Equal(1, before.Count(version => version == 0));
        Assert.All(before.Where(version => version != 0), version => Assert.Equal(3, version));
        Assert.Equal(3, _store.NewDatabase().Migrate("widgets", steps));
        Assert.Equal(3, _store.NewDatabase().Migrate("widgets", steps[..2])); // an older build leaves a newer schema alone
        Assert.Equal(3, _store.SchemaVersion("widgets"));

        await using var connection = new NpgsqlConnection(_store.ConnectionString);
        await connection.OpenAsync();
        await using var rows = new NpgsqlCommand(
            "SELECT version, description, applied_at FROM schema_migrations WHERE component = @component ORDER BY version", connection);
        rows.Parameters.AddWithValue("component", "widgets");
        await using var reader = await rows.ExecuteReaderAsync();
        var recorded = new List<(int, string)>();
        while (await reader.ReadAsync())
        {
            recorded.Add((reader.GetInt32(0), reader.GetString(1)));
            Assert.True(reader.GetFieldValue<DateTimeOffset>(2) > DateTimeOffset.UtcNow.AddMinutes(-5));
        }

        Assert.Equal([(1, "widgets"), (2, "widget names"), (3, "first widget")], recorded);
    }

    [PostgresFact]
    public void Migrate_StepsOutOfOrder_Refused()
    {
        _store = new StoreUnderTest(StoreKind.Postgres, cluster);

        Assert.Throws<ArgumentException>(() => _store.NewDatabase().Migrate("bad", [new(2, "two", "SELECT 1")]));
    }

    [PostgresFact]
    public void Migrate_FailingStep_NothingAppliedNorRecorded()
    {
        _store = new StoreUnderTest(StoreKind.Postgres, cluster);
        PostgresMigration[] steps = [new(1, "ok", "CREATE TABLE gadgets (id integer)"), new(2, "broken", "ALTER TABLE nowhere ADD COLUMN x integer")];

        Assert.Throws<PostgresException>(() => _store.NewDatabase().Migrate("gadgets", steps));

        Assert.Equal(0, _store.SchemaVersion("gadgets"));
        Assert.Equal(0, _store.NewDatabase().Migrate("gadgets", steps[..1]));
        Assert.Equal(1, _store.SchemaVersion("gadgets"));
    }

    [Fact]
    public void PostgresStores_SchemaComponents_MatchTheSqliteOnes()
    {
        Assert.Equal(DocumentCatalog.SchemaComponent, PostgresDocumentCatalog.SchemaComponent);
        Assert.Equal(IngestionJobQueue.SchemaComponent, PostgresJobQueue.SchemaComponent);
    }
}
