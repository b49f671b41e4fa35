using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Api.Auth;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>
/// Without keys the server refuses to run on anything but loopback, however the address was configured; checked on
/// the addresses it bound. Tests may bind every interface but send traffic to 127.0.0.1 only. They set process
/// environment variables, so the collection runs alone.
/// </summary>
[Collection(Name)]
public sealed partial class LoopbackGuardTests
{
    public const string Name = "loopback-guard";

    public static TheoryData<string, string> ExposedConfigurations => new()
    {
        { "args:--urls", "http://0.0.0.0:0" },
        { "args:--urls", "http://[::]:0" },
        { "args:--urls", "http://fileserver.lan:0" },
        { "args:--urls", "http://*:0" },
        { "env:ASPNETCORE_URLS", "http://0.0.0.0:0" },
        { "env:ASPNETCORE_URLS", "http://127.0.0.1:0;http://[::]:0" },
        { "args:--Kestrel:Endpoints:Http:Url", "http://0.0.0.0:0" },
        { "args:--Kestrel:Endpoints:Http:Url", "http://[::]:0" },
        { "args:--Kestrel:Endpoints:Http:Url", "http://fileserver.lan:0" },
        { "env:Kestrel__Endpoints__Http__Url", "http://0.0.0.0:0" },
        { "appsettings", "http://0.0.0.0:0" },
        { "appsettings", "http://[::]:0" },
    };

    [Theory]
    [MemberData(nameof(ExposedConfigurations))]
    public async Task NoKeys_BeyondLoopback_RefusedAndNotListening(string source, string url)
    {
        using var directory = new TemporaryDirectory();

        var error = await StartAsync(directory.Path, source, url, keys: false);

        var refused = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("without API keys", refused.Message, StringComparison.Ordinal);
        Assert.Contains("QwenRag:Auth:Keys", refused.Message, StringComparison.Ordinal);
        // When it got as far as binding, the message names the bound port; nothing may listen there afterwards.
        foreach (Match port in BoundPort().Matches(refused.Message))
        {
            var number = int.Parse(port.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (number != 0)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await Assert.ThrowsAnyAsync<SocketException>(() => socket.ConnectAsync(IPAddress.Loopback, number));
            }
        }
    }

    [Theory]
    [InlineData("args:--urls", "http://127.0.0.1:0")]
    [InlineData("args:--Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0")]
    [InlineData("args:--Kestrel:Endpoints:Http:Url", "http://[::1]:0")]
    [InlineData("env:ASPNETCORE_URLS", "http://127.0.0.1:0")]
    [InlineData("appsettings", "http://127.0.0.1:0")]
    public async Task NoKeys_Loopback_Serves(string source, string url)
    {
        using var directory = new TemporaryDirectory();
        await using var app = await StartedAsync(directory.Path, source, url, keys: false);
        using var client = Client(app, key: null);

        using var response = await client.GetAsync("/v1/sets");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData("args:--urls", "http://0.0.0.0:0")]
    [InlineData("args:--Kestrel:Endpoints:Http:Url", "http://0.0.0.0:0")]
    public async Task WithKeys_EveryInterface_ServesWithKeyOnly(string source, string url)
    {
        using var directory = new TemporaryDirectory();
        await using var app = await StartedAsync(directory.Path, source, url, keys: true);
        using var anonymous = Client(app, key: null);
        using var admin = Client(app, key: "guard-admin-key");

        using var refused = await anonymous.GetAsync("/v1/sets");
        using var allowed = await admin.GetAsync("/v1/sets");

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Theory]
    [InlineData("192.168.1.20")]
    [InlineData("10.0.0.5")]
    [InlineData("fe80::1")]
    [InlineData("::ffff:192.168.1.20")]
    public async Task NoKeys_RequestOnNonLoopbackAddress_ForbiddenBeforeAnything(string local)
    {
        var reached = false;
        var guard = new LoopbackConnections(_ => { reached = true; return Task.CompletedTask; }, Options.Create(new AuthOptions()));
        await using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Connection.LocalIpAddress = IPAddress.Parse(local);
        context.Response.Body = new MemoryStream();

        await guard.InvokeAsync(context);

        Assert.False(reached);
        Assert.Equal(StatusCodes.Status403Forbidden, context.Response.StatusCode);
        Assert.Equal("application/problem+json", context.Response.ContentType?.Split(';')[0]);
    }

    [Theory]
    [InlineData("127.0.0.1", false)]
    [InlineData("::1", false)]
    [InlineData("::ffff:127.0.0.1", false)]
    [InlineData("192.168.1.20", true)]
    public async Task RequestOnLoopbackOrWithKeys_PassedOn(string local, bool keys)
    {
        var reached = false;
        var auth = new AuthOptions();
        if (keys)
        {
            auth.Keys.Add(new ApiKey { Key = "guard-admin-key", Role = ApiKeyRole.Admin });
        }

        var guard = new LoopbackConnections(_ => { reached = true; return Task.CompletedTask; }, Options.Create(auth));
        var context = new DefaultHttpContext();
        context.Connection.LocalIpAddress = IPAddress.Parse(local);

        await guard.InvokeAsync(context);

        Assert.True(reached);
    }

    private static async Task<WebApplication> StartedAsync(string data, string source, string url, bool keys)
    {
        WebApplication? started = null;
        var error = await StartAsync(data, source, url, keys, app => started = app);
        Assert.Null(error);
        return started!;
    }

    /// <summary>Builds and starts the app with <paramref name="url"/> given the way <paramref name="source"/> says; the failure, if any.</summary>
    private static async Task<Exception?> StartAsync(string data, string source, string url, bool keys, Action<WebApplication>? keep = null)
    {
        List<string> args = ["--QwenRag:DataDirectory", data, "--Logging:LogLevel:Default", "None"];
        if (keys)
        {
            args.AddRange(["--QwenRag:Auth:Keys:0:Key", "guard-admin-key", "--QwenRag:Auth:Keys:0:Role", "admin"]);
        }

        string? variable = null;
        if (source.StartsWith("args:", StringComparison.Ordinal))
        {
            args.AddRange([source["args:".Length..], url]);
        }
        else if (source.StartsWith("env:", StringComparison.Ordinal))
        {
            variable = source["env:".Length..];
            Environment.SetEnvironmentVariable(variable, url);
        }
        else
        {
            var root = Path.Combine(data, "content");
            Directory.CreateDirectory(root);
            await File.WriteAllTextAsync(
                Path.Combine(root, "appsettings.json"), $$"""{ "Kestrel": { "Endpoints": { "Http": { "Url": "{{url}}" } } } }""");
            args.AddRange(["--contentRoot", root]);
        }

        WebApplication? app = null;
        try
        {
            app = QwenRagApi.Build([.. args]);
            await app.StartAsync();
            keep?.Invoke(app);
            return null;
        }
        catch (Exception ex)
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            return ex;
        }
        finally
        {
            if (variable is not null)
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
        }
    }

    /// <summary>A client of the app's first address, always sent to 127.0.0.1 whatever interface the app bound.</summary>
    private static HttpClient Client(WebApplication app, string? key)
    {
        var bound = new Uri(app.Urls.First());
        var client = new HttpClient { BaseAddress = new UriBuilder(bound) { Host = bound.Host == "[::1]" ? "[::1]" : "127.0.0.1" }.Uri };
        if (key is not null)
        {
            client.DefaultRequestHeaders.Add("X-Api-Key", key);
        }

        return client;
    }

    [GeneratedRegex(@"https?://[^,\s]*:(\d+)")]
    private static partial Regex BoundPort();
}

[CollectionDefinition(LoopbackGuardTests.Name, DisableParallelization = true)]
public sealed class LoopbackGuardCollection;
