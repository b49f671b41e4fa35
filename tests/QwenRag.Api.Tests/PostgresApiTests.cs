using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Options;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>
/// The service with its catalog and job queue in PostgreSQL: two replicas share one database (upload through one,
/// follow the job through the other); a database that is not there leaves the service running, not ready, and
/// answering 503 with the reason; a connection string that does not parse stops startup naming the setting.
/// </summary>
public sealed class PostgresApiTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qwenrag-postgres-api-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [PostgresFact]
    public async Task TwoReplicas_UploadThroughOne_JobFollowedAndDocumentListedThroughTheOther()
    {
        var connectionString = cluster.CreateDatabase();
        string[] shared = ["--QwenRag:Postgres:ConnectionString", connectionString, "--QwenRag:Blobs:Store", "postgres"];
        await using var first = await ApiHost.StartAsync(_directory, shared);
        await using var second = await ApiHost.StartAsync(_directory, shared);
        using var one = first.CreateClient();
        using var other = second.CreateClient();

        using (var ready = await other.GetAsync("/health/ready"))
        {
            var report = await ready.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Contains("PostgreSQL at 127.0.0.1", report.GetProperty("checks").GetProperty("postgres").GetString(), StringComparison.Ordinal);
            var backends = report.GetProperty("backends");
            foreach (var backend in new[] { "catalog", "jobs", "blobs" })
            {
                Assert.Matches("^(?i:postgresql)( at)? 127\\.0\\.0\\.1:[0-9]+/", backends.String(backend));
            }
        }

        var job = Assert.Single(await one.UploadAcceptedAsync("docs", [UploadFile.Text("tides.md", "# Tides\n\nThe harbour floods at spring tide.")]));
        await other.WaitForSuccessAsync(job.String("id"));

        var document = Assert.Single(await other.DocumentsAsync("docs"));
        Assert.Equal("tides.md", document.String("name"));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "uploads")));
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "originals"), "*", SearchOption.AllDirectories));
        using var sets = await one.GetAsync("/v1/sets");
        Assert.Contains("docs", (await sets.ReadJsonAsync(HttpStatusCode.OK)).GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostgresDown_StartsNotReadyNamingTheDatabase_RequestsAnswer503()
    {
        var port = ClosedPort();
        await using var host = await ApiHost.StartAsync(
            _directory, "--QwenRag:Postgres:ConnectionString", $"Host=127.0.0.1;Port={port};Username=qwenrag;Password=secret;Timeout=2");
        using var client = host.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        var report = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        var postgres = JsonDocument.Parse(report).RootElement.GetProperty("checks").GetProperty("postgres").GetString();
        Assert.Contains($"PostgreSQL at 127.0.0.1:{port}", postgres, StringComparison.Ordinal);
        Assert.StartsWith($"PostgreSQL at 127.0.0.1:{port}/", JsonDocument.Parse(report).RootElement.GetProperty("backends").GetProperty("catalog").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("secret", report, StringComparison.Ordinal);

        using var sets = await client.GetAsync("/v1/sets");
        var problem = await ProblemAssert.IsProblemAsync(sets, HttpStatusCode.ServiceUnavailable, requireDetail: true);
        Assert.Contains("unavailable", problem.String("detail"), StringComparison.Ordinal);
        Assert.True(sets.Headers.RetryAfter is not null);

        using var upload = await client.UploadAsync("docs", [UploadFile.Text("note.md", "# Note")]);
        await ProblemAssert.IsProblemAsync(upload, HttpStatusCode.ServiceUnavailable);
        Assert.Empty(Directory.GetFiles(Path.Combine(_directory, "uploads")));
    }

    [Fact]
    public async Task BadConnectionString_StartupRefusedNamingTheSetting()
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(
            () => ApiHost.StartAsync(_directory, "--QwenRag:Postgres:ConnectionString", "Host=db;Port=not-a-port"));

        Assert.Contains("QwenRag:Postgres:ConnectionString", error.Message, StringComparison.Ordinal);
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
