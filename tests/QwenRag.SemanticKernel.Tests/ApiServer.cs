using Microsoft.AspNetCore.Builder;
using QwenRag.Api;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The real QwenRag API (endpoints and ingestion worker) on Kestrel, on a free port of 127.0.0.1.</summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiServer(WebApplication app)
    {
        _app = app;
        Address = new Uri(app.Urls.First());
    }

    public Uri Address { get; }

    public static async Task<ApiServer> StartAsync(string dataDirectory, params string[] settings)
    {
        var app = QwenRagApi.Build(
        [
            "--urls", "http://127.0.0.1:0",
            "--QwenRag:DataDirectory", dataDirectory,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ]);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ApiServer(app);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
