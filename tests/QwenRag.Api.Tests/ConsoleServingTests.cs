using System.Net;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary>The admin console's static files: served at /admin without a key, with a strict CSP.</summary>
public sealed class ConsoleServingTests : IAsyncLifetime
{
    private const string AdminKey = "console-admin-key";

    private readonly TemporaryDirectory _directory = new();
    private ApiHost _host = null!;
    private HttpClient _anonymous = null!;

    public async Task InitializeAsync()
    {
        _host = await ApiHost.StartAsync(
            _directory.Path,
            "--QwenRag:Auth:Keys:0:Key", AdminKey,
            "--QwenRag:Auth:Keys:0:Role", "admin");
        _anonymous = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _anonymous?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        _directory.Dispose();
    }

    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    public async Task Admin_NoKey_ServesHtmlWithStrictHeaders(string path)
    {
        using var response = await _anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<script type=\"module\" src=\"/admin/console.js\"></script>", html, StringComparison.Ordinal);
        Assert.Contains("data-testid=\"announcer\"", html, StringComparison.Ordinal);
        AssertConsoleHeaders(response);
    }

    [Theory]
    [InlineData("/admin/console.js", "text/javascript")]
    [InlineData("/admin/api.js", "text/javascript")]
    [InlineData("/admin/dom.js", "text/javascript")]
    [InlineData("/admin/console.css", "text/css")]
    public async Task StaticFile_NoKey_ServedWithItsContentType(string path, string mediaType)
    {
        using var response = await _anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
        AssertConsoleHeaders(response);
    }

    [Fact]
    public async Task ConsoleScript_NeverUsesInnerHtml()
    {
        foreach (var file in new[] { "console.js", "api.js", "dom.js" })
        {
            var script = await _anonymous.GetStringAsync($"/admin/{file}");
            Assert.DoesNotContain("innerHTML", script, StringComparison.Ordinal);
            Assert.DoesNotContain("insertAdjacentHTML", script, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task UnknownConsoleFile_NotFound()
    {
        using var response = await _anonymous.GetAsync("/admin/nope.js");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task DataCalls_StillNeedAKey()
    {
        using var anonymous = await _anonymous.GetAsync("/v1/sets");
        using var admin = _host.CreateClient(AdminKey);
        using var withKey = await admin.GetAsync("/v1/sets");

        await ProblemAssert.IsProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
    }

    private static void AssertConsoleHeaders(HttpResponseMessage response)
    {
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp, StringComparison.Ordinal);
        Assert.Contains("object-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("frame-ancestors 'none'", csp, StringComparison.Ordinal);
        var scriptSrc = csp.Split(';', StringSplitOptions.TrimEntries).Single(d => d.StartsWith("script-src", StringComparison.Ordinal));
        Assert.Equal("script-src 'self'", scriptSrc);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
    }
}
