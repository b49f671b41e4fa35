using Microsoft.AspNetCore.Builder;

namespace QwenRag.Api.Tests;

/// <summary>The real API (REST endpoints and ingestion worker) on Kestrel, bound to a free port on 127.0.0.1.</summary>
public sealed class ApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ApiHost(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    /// <summary>The host's services (its telemetry providers, for tests that read what they exported).</summary>
    public IServiceProvider Services => _app.Services;

    public static Task<ApiHost> StartAsync(string dataDirectory, params string[] settings) =>
        StartAsync(dataDirectory, null, settings);

    /// <param name="dataDirectory">The data directory.</param>
    /// <param name="configure">More services, after the API's.</param>
    /// <param name="settings">Command-line settings.</param>
    public static async Task<ApiHost> StartAsync(string dataDirectory, Action<WebApplicationBuilder>? configure, params string[] settings)
    {
        string[] args =
        [
            "--urls", "http://127.0.0.1:0",
            "--QwenRag:DataDirectory", dataDirectory,
            "--Logging:LogLevel:Default", "Warning",
            .. settings,
        ];
        var app = QwenRagApi.Build(args, configure);
        try
        {
            await app.StartAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        return new ApiHost(app, new Uri(app.Urls.First()));
    }

    /// <summary>A client for this host; <paramref name="key"/> goes in <c>X-Api-Key</c>, or as a bearer token.</summary>
    public HttpClient CreateClient(string? key = null, bool bearer = false)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromMinutes(3) };
        if (key is not null)
        {
            if (bearer)
            {
                client.DefaultRequestHeaders.Authorization = new("Bearer", key);
            }
            else
            {
                client.DefaultRequestHeaders.Add("X-Api-Key", key);
            }
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
