using System.Net;
using System.Text.RegularExpressions;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed partial class HealthAndDocsTests(ApiFixture fixture)
{
    /// <summary>Every /v1 route of the contract, parameters written as <c>{}</c> (their names are the API's choice).</summary>
    public static TheoryData<string, string> Routes => new()
    {
        { "/v1/sets", "get" },
        { "/v1/sets/{}/documents", "get" },
        { "/v1/sets/{}/documents", "post" },
        { "/v1/sets/{}/documents/{}", "delete" },
        { "/v1/sets/{}/search", "post" },
        { "/v1/sets/{}/ask", "post" },
        { "/v1/jobs", "get" },
        { "/v1/jobs/{}", "get" },
        { "/v1/jobs/{}/retry", "post" },
    };

    [Fact]
    public async Task Live_Anonymous_Ok()
    {
        using var response = await fixture.Anonymous.GetAsync("/health/live");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ready_Anonymous_OkWithStatus()
    {
        using var response = await fixture.Anonymous.GetAsync("/health/ready");

        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.False(string.IsNullOrWhiteSpace(body.String("status")));

        // The embedded defaults, named with where they are.
        var backends = body.GetProperty("backends");
        Assert.StartsWith("sqlite /", backends.String("catalog"), StringComparison.Ordinal);
        Assert.Equal(backends.String("catalog"), backends.String("jobs"));
        Assert.StartsWith("local directory /", backends.String("blobs"), StringComparison.Ordinal);
        Assert.StartsWith("embedded /", backends.String("vectors"), StringComparison.Ordinal);
        Assert.StartsWith("sqlite fts5 /", backends.String("keywords"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task OpenApi_WithKey_ListsRoute(string route, string method)
    {
        using var response = await fixture.Reader.GetAsync("/openapi/v1.json");
        var document = await response.ReadJsonAsync(HttpStatusCode.OK);

        Assert.StartsWith("3.", document.String("openapi"), StringComparison.Ordinal);
        var paths = document.GetProperty("paths").EnumerateObject().ToDictionary(p => Parameter().Replace(p.Name, "{}"), p => p.Value);
        Assert.True(paths.TryGetValue(route, out var item), $"{route} missing; paths: {string.Join(", ", paths.Keys)}");
        Assert.True(item.TryGetProperty(method, out _), $"{method} {route} missing: {item}");
    }

    [Fact]
    public async Task Scalar_WithKey_HtmlReference()
    {
        using var scalar = await fixture.Reader.GetAsync("/scalar");
        using var response = scalar.StatusCode == HttpStatusCode.NotFound ? await fixture.Reader.GetAsync("/scalar/v1") : null;
        var page = response ?? scalar;

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains("<html", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("scalar", html, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("/openapi/v1.json")]
    [InlineData("/scalar")]
    [InlineData("/scalar/v1")]
    public async Task Docs_KeysConfiguredAndNoKey_Unauthorized(string path)
    {
        using var response = await fixture.Anonymous.GetAsync(path);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
