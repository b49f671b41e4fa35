using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Options;

namespace QwenRag.Api.Tests;

/// <summary>
/// The service configured for a Qdrant server that is not there (a closed port on 127.0.0.1): it starts, says
/// plainly it is not ready and why, and an uploaded document's job is held for a later attempt — never marked
/// succeeded with its vectors missing. A bad Qdrant setting stops startup naming the setting.
/// </summary>
public sealed class QdrantUnreachableTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("qwenrag-qdrant-down-").FullName;
    private readonly string _url = $"http://127.0.0.1:{ClosedPort()}";

    [Fact]
    public async Task QdrantDown_NotReadyNamingTheUrl_UploadHeldAsTransientNotSucceeded()
    {
        await using var host = await ApiHost.StartAsync(
            _directory,
            "--QwenRag:Qdrant:Url", _url,
            "--QwenRag:Qdrant:MaxRetries", "1",
            "--QwenRag:Qdrant:RetryDelay", "00:00:00.010",
            "--QwenRag:Worker:RetryDelay", "00:10:00");
        using var client = host.CreateClient();

        using var ready = await client.GetAsync("/health/ready");
        var report = await ready.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains($"Qdrant at {_url}", report, StringComparison.Ordinal);

        var job = Assert.Single(await client.UploadAcceptedAsync("docs", [UploadFile.Text("note.md", "# Note\n\nQdrant is down today.")]));
        var id = job.String("id");
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            using var response = await client.GetAsync($"/v1/jobs/{id}");
            var state = await response.ReadJsonAsync(HttpStatusCode.OK);
            if (state.GetProperty("error").ValueKind == System.Text.Json.JsonValueKind.String)
            {
                Assert.Equal("queued", state.String("status"));
                Assert.Contains(_url, state.String("error"), StringComparison.Ordinal);
                Assert.Equal(1, state.GetProperty("attempts").GetInt32());
                Assert.Equal(System.Text.Json.JsonValueKind.String, state.GetProperty("nextAttemptAt").ValueKind);
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"job {id} never failed over to a retry: {state}");
            await Task.Delay(150);
        }

        using var documents = await client.GetAsync("/v1/sets/docs/documents");
        Assert.NotEqual(HttpStatusCode.InternalServerError, documents.StatusCode);
    }

    [Theory]
    [InlineData("ftp://qdrant:6334", "QwenRag:Qdrant:Url")]
    [InlineData("not a url", "QwenRag:Qdrant:Url")]
    public async Task BadQdrantSetting_StartupRefusedNamingTheSetting(string url, string setting)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => ApiHost.StartAsync(_directory, "--QwenRag:Qdrant:Url", url));
        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
