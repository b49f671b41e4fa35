using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Core.Postgres;
using QwenRag.Hosting.Worker;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Postgres;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests.Contract;

/// <summary>The services of <c>serve</c>/<c>worker</c> with <c>QwenRag:Postgres:ConnectionString</c> set: both stores move to PostgreSQL.</summary>
public sealed class PostgresWorkerTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "docs";
    private const long Limit = 100L * 1024 * 1024;

    private readonly TemporaryDirectory _directory = new();

    private DataDirectory Data => new(_directory.Path);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Services_WithoutConnectionString_SqliteStores()
    {
        using var services = new ServiceCollection().AddLogging().AddQwenRag(Data).AddIngestionWorker().BuildServiceProvider();

        Assert.IsType<DocumentCatalog>(services.GetRequiredService<IDocumentCatalog>());
        Assert.IsType<IngestionJobQueue>(services.GetRequiredService<IJobQueue>());
    }

    [Fact]
    public void Services_InvalidConnectionString_RefusedOnStartWithTheSettingNamed()
    {
        using var services = Services("Host=;Port=notaport").BuildServiceProvider();

        var error = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IDocumentCatalog>());

        Assert.Contains(PostgresOptions.SectionName + ":ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [PostgresFact]
    public async Task Workers_TwoProcessesOverOnePostgres_EveryJobSucceedsOnceAndDocumentsAreInPostgres()
    {
        var connectionString = cluster.CreateDatabase();
        string[] names = ["reducing_variance.md", "users-and-groups.html", "libffi-closure-api.html", "systemd-distro-porting.docx"];
        await using var first = await WorkerTests.RunningWorker.StartAsync(
            Data, WorkerTests.FastRetries, configure: services => UsePostgres(services, connectionString));
        await using var second = await WorkerTests.RunningWorker.StartAsync(
            Data, WorkerTests.FastRetries, configure: services => UsePostgres(services, connectionString));
        Assert.IsType<PostgresJobQueue>(first.Queue);
        Assert.IsType<PostgresDocumentCatalog>(first.Get<IDocumentCatalog>());

        var jobs = new List<IngestionJob>();
        foreach (var name in names)
        {
            await using var file = File.OpenRead(TestCorpus.MixedFile(name));
            jobs.Add(await first.Queue.EnqueueAsync(Set, name, file, null, ["mixed"], Limit));
        }

        foreach (var job in jobs)
        {
            var done = await WorkerTests.WaitForAsync(second.Queue, job.Id, j => j.Status is JobStatus.Succeeded or JobStatus.Failed);
            Assert.Equal((JobStatus.Succeeded, 1, null), (done.Status, done.Attempts, done.Error));
        }

        var documents = second.Get<IDocumentCatalog>().List(Set);
        Assert.Equal(names.Order(), documents.Select(document => document.Name).Order());
        Assert.All(documents, document => Assert.Equal(DocumentStatus.Ready, document.Status));
        Assert.Empty(new DocumentCatalog(Data).List(Set)); // nothing went to the SQLite file
        Assert.Equal(names.Length, second.Get<IDocumentCatalog>().ListSets().Single().Documents);
    }

    private IServiceCollection Services(string connectionString)
    {
        var services = new ServiceCollection().AddLogging();
        UsePostgres(services, connectionString);
        return services.AddQwenRag(Data).AddIngestionWorker();
    }

    private static void UsePostgres(IServiceCollection services, string connectionString) =>
        services.AddSingleton<IConfiguration>(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { [PostgresOptions.SectionName + ":ConnectionString"] = connectionString })
            .Build());
}
