using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using QwenRag.Core.Blobs;
using QwenRag.Tests;

namespace QwenRag.Cli.Tests;

/// <summary>
/// Two <c>qwenrag serve</c> replicas over one PostgreSQL (catalog, job queue, blobs): what is uploaded through one is
/// followed and found through the other, as behind a load balancer.
/// </summary>
public sealed class ServeReplicaTests(PostgresCluster cluster) : IClassFixture<PostgresCluster>, IDisposable
{
    private const string Set = "replicated";
    private const string Pdf = "lppl-1.3c.pdf";
    private const string AdminKey = "replica-admin-key-2f9c41";
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [PostgresFact]
    public async Task Serve_TwoReplicas_UploadThroughOneFollowAndSearchThroughTheOther()
    {
        var connectionString = cluster.CreateDatabase();

        // Vectors and keywords: the embedded stores of one data directory that both replicas open (several processes
        // may share it, each reloading what another wrote); Qdrant, which a real fleet would use, cannot run here.
        var environment = new Dictionary<string, string>
        {
            ["QwenRag__Postgres__ConnectionString"] = connectionString,
            ["QwenRag__Blobs__Store"] = BlobStoreOptions.Postgres,
            ["QwenRag__Auth__Keys__0__Key"] = AdminKey,
            ["QwenRag__Auth__Keys__0__Role"] = "Admin",
        };
        using var a = await StartReplicaAsync("serve A", environment);
        using var b = await StartReplicaAsync("serve B", environment);
        var logs = () => $"{a.Process.Describe()}\n{b.Process.Describe()}";
        foreach (var replica in (Replica[])[a, b])
        {
            var ready = await replica.Client.GetFromJsonAsync<JsonElement>("/health/ready");
            Assert.Equal("Healthy", ready.GetProperty("status").GetString());
            var postgres = ready.GetProperty("checks").GetProperty("postgres").GetString();
            Assert.True(postgres?.Contains("catalog and job queue on postgres", StringComparison.OrdinalIgnoreCase) == true, $"{replica.Process.Name}: {ready}");
        }

        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(await File.ReadAllBytesAsync(TestCorpus.Pdf(Pdf)));
        part.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
        form.Add(part, "file", Pdf);
        using var upload = await a.Client.PostAsync($"/v1/sets/{Set}/documents", form);
        var uploaded = await upload.Content.ReadAsStringAsync();
        Assert.True(upload.StatusCode == HttpStatusCode.Accepted, $"upload: {(int)upload.StatusCode} {uploaded}\n{logs()}");
        var jobId = JsonDocument.Parse(uploaded).RootElement.GetProperty("jobs")[0].GetProperty("id").GetString()!;

        // Either replica's worker may take the job; B answers from the shared queue whichever did.
        var job = await WaitForJobAsync(b, jobId, logs);
        Assert.True(job.GetProperty("status").GetString() == "succeeded", $"job: {job}\n{logs()}");
        var documentId = job.GetProperty("documentId").GetString();

        var documents = await b.Client.GetFromJsonAsync<JsonElement>($"/v1/sets/{Set}/documents");
        var document = Assert.Single(documents.GetProperty("documents").EnumerateArray().ToArray());
        Assert.Equal((Pdf, documentId, "ready", 8), (document.GetProperty("name").GetString(), document.GetProperty("id").GetString(), document.GetProperty("status").GetString(), document.GetProperty("pages").GetInt32()));

        // The example notice of the licence's "How to Use This License" section names its files on page 7.
        using var search = await b.Client.PostAsJsonAsync($"/v1/sets/{Set}/search", new { query = "This work consists of the files pig.dtx and pig.ins", top = 5 });
        var found = await search.Content.ReadAsStringAsync();
        Assert.True(search.StatusCode == HttpStatusCode.OK, $"search: {(int)search.StatusCode} {found}\n{logs()}");
        var hits = JsonDocument.Parse(found).RootElement.GetProperty("results").EnumerateArray()
            .Where(result => result.GetProperty("text").GetString()!.Contains("pig.dtx and pig.ins", StringComparison.Ordinal))
            .ToList();
        Assert.True(hits.Count > 0, $"no result holds the phrase: {found}");
        Assert.All(hits, hit => Assert.Equal(
            (Pdf, documentId, 7), (hit.GetProperty("document").GetString(), hit.GetProperty("documentId").GetString(), hit.GetProperty("page").GetInt32())));

        // The upload went through PostgreSQL: its staged copy is gone and the original is kept there.
        await using var blobs = new PostgresBlobStore(connectionString);
        await foreach (var blob in blobs.ListAsync(LocalBlobStore.UploadsContainer + "/"))
        {
            Assert.Fail($"staged upload left behind: {blob.Key}");
        }

        var originals = 0;
        await foreach (var blob in blobs.ListAsync("originals/"))
        {
            originals++;
        }

        Assert.Equal(1, originals);
    }

    /// <summary>Starts <c>qwenrag serve</c> on a free loopback port and waits until it is ready; another port is tried when the one found free was taken meanwhile.</summary>
    private async Task<Replica> StartReplicaAsync(string name, IReadOnlyDictionary<string, string> environment)
    {
        for (var attempt = 1; ; attempt++)
        {
            var url = $"http://127.0.0.1:{FreePort()}";
            var process = QwenRagDaemon.Start(name, _directory.Path, environment, ["serve", "--data", _directory.Path, "--urls", url]);
            var client = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };
            client.DefaultRequestHeaders.Add("X-Api-Key", AdminKey);
            var replica = new Replica(process, client);
            if (await WaitUntilReadyAsync(replica))
            {
                return replica;
            }

            var log = process.Describe();
            replica.Dispose();
            if (attempt == 3 || !log.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail($"{name} did not become ready at {url}\n{log}");
            }
        }
    }

    /// <summary>True once <c>/health/ready</c> answers 200; false when the process exits or it takes too long.</summary>
    private static async Task<bool> WaitUntilReadyAsync(Replica replica)
    {
        var clock = Stopwatch.StartNew();
        while (!replica.Process.HasExited && clock.Elapsed < Patience)
        {
            try
            {
                using var response = await replica.Client.GetAsync("/health/ready");
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return true;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            catch (TaskCanceledException)
            {
                // the first readiness check loads the embedding model, which may outlast a request
            }

            await Task.Delay(200);
        }

        return false;
    }

    private static async Task<JsonElement> WaitForJobAsync(Replica replica, string jobId, Func<string> logs)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var response = await replica.Client.GetAsync($"/v1/jobs/{jobId}");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"job {jobId} through {replica.Process.Name}: {(int)response.StatusCode} {body}\n{logs()}");
            var job = JsonDocument.Parse(body).RootElement;
            if (job.GetProperty("status").GetString() is "succeeded" or "failed")
            {
                return job;
            }

            if (clock.Elapsed > Patience)
            {
                Assert.Fail($"job {jobId} did not finish: {job}\n{logs()}");
            }

            await Task.Delay(200);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed record Replica(QwenRagDaemon Process, HttpClient Client) : IDisposable
    {
        public void Dispose()
        {
            Client.Dispose();
            Process.Dispose();
        }
    }
}
