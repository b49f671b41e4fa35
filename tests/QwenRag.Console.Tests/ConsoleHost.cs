using Microsoft.AspNetCore.Builder;
using QwenRag.Api;

namespace QwenRag.Console.Tests;

/// <summary>The real API (console, REST endpoints and ingestion worker) on Kestrel, bound to a free port on 127.0.0.1.</summary>
public sealed class ConsoleHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ConsoleHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<ConsoleHost> StartAsync(string dataDirectory, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--QwenRag:DataDirectory", dataDirectory,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ];
        var app = QwenRagApi.Build(args);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ConsoleHost(app, new Uri(app.Urls.First()));
    }

    public HttpClient CreateClient(string? key = null)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(3) };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
