using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>An API host with no keys configured, on loopback: everything is open.</summary>
public sealed class OpenAccessFixture : IAsyncLifetime
{
    private readonly TemporaryDirectory _directory = new();

    public ApiHost Host { get; private set; } = null!;

    public HttpClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await ApiHost.StartAsync(_directory.Path);
        Client = Host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client?.Dispose();
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }

        _directory.Dispose();
    }
}
