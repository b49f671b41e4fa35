using System.Globalization;
using System.Net;
using System.Net.Sockets;
using QwenRag.Tests;

namespace QwenRag.Api.Tests.Telemetry;

/// <summary><c>QwenRag:Telemetry:PrometheusPort</c>: the scrape moves off the API to a port of its own.</summary>
public sealed class PrometheusPortTests
{
    [Fact]
    public async Task PrometheusPort_Set_MetricsOnThatPortAndNotOnTheApi()
    {
        using var directory = new TemporaryDirectory();
        var port = FreePort();
        await using var host = await ApiHost.StartAsync(
            directory.Path,
            "--QwenRag:Telemetry:Prometheus", "true",
            "--QwenRag:Telemetry:PrometheusPort", port.ToString(CultureInfo.InvariantCulture));
        using var client = host.CreateClient();
        using var scraper = new HttpClient();

        using var onApi = await client.GetAsync(ApiTelemetry.MetricsPath);
        var scraped = await scraper.GetStringAsync(new Uri($"http://127.0.0.1:{port}/metrics"));

        Assert.Equal(HttpStatusCode.NotFound, onApi.StatusCode);
        Assert.Contains("qwenrag_jobs{", scraped, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
