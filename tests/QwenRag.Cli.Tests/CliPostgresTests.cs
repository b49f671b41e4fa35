using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary><c>--postgres</c>: the catalog lives in PostgreSQL, so what one data directory ingests another command sees there.</summary>
public sealed class CliPostgresTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [PostgresFact]
    public async Task IngestThenList_WithPostgres_DocumentRecordedInThePostgresCatalog()
    {
        var connectionString = cluster.CreateDatabase();
        var path = Path.Combine(TestCorpus.Mixed, "reducing_variance.md");

        var ingest = await QwenRagProcess.RunAsync(_directory.Path, "ingest", path, "--set", "pg", "--postgres", connectionString);
        Assert.True(ingest.ExitCode == 0, ingest.Stderr);

        var documents = await QwenRagProcess.RunAsync(_directory.Path, "documents", "list", "--set", "pg", "--json", "--postgres", connectionString);
        var document = Assert.Single(documents.Json().GetProperty("documents").EnumerateArray().ToArray());
        Assert.Equal("reducing_variance.md", document.GetProperty("name").GetString());

        // Without --postgres the data directory's own SQLite catalog is used, which never saw the document.
        var local = await QwenRagProcess.RunAsync(_directory.Path, "sets", "list", "--json");
        Assert.Empty(local.Json().GetProperty("sets").EnumerateArray());
        var shared = await QwenRagProcess.RunAsync(_directory.Path, "sets", "list", "--json", "--postgres", connectionString);
        Assert.Equal("pg", Assert.Single(shared.Json().GetProperty("sets").EnumerateArray().ToArray()).GetProperty("name").GetString());
    }
}
