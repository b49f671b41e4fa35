using System.Net;
using Microsoft.AspNetCore.Builder;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

public sealed class OpenAccessTests(OpenAccessFixture fixture) : IClassFixture<OpenAccessFixture>
{
    [Fact]
    public async Task NoKeysConfigured_EveryEndpointOpen()
    {
        const string set = "open";

        var job = Assert.Single(await fixture.Client.UploadAcceptedAsync(set, [UploadFile.Text("open.md", "# Open\n\nNo key is needed on a loopback address.")]));
        var done = await fixture.Client.WaitForSuccessAsync(job.String("id"));
        var results = await fixture.Client.SearchResultsAsync(set, new { query = "loopback address key" });
        using var sets = await fixture.Client.GetAsync("/v1/sets");
        using var delete = await fixture.Client.DeleteAsync($"/v1/sets/{set}/documents/{done.String("documentId")}");

        Assert.Equal(done.String("documentId"), Assert.Single(results).String("documentId"));
        Assert.Contains((await sets.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("sets").EnumerateArray(), s => s.String("name") == set);
        Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
    }

    [Fact]
    public async Task NoKeysConfigured_MeIsOpen()
    {
        using var response = await fixture.Client.GetAsync("/v1/me");

        var me = await response.ReadJsonAsync(HttpStatusCode.OK);
        Assert.Equal("open", me.String("role"));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, me.GetProperty("sets").ValueKind);
    }

    [Fact]
    public async Task NoKeysConfigured_UnknownSetStillNotFound()
    {
        using var response = await fixture.Client.SearchAsync("no-such-set", new { query = "anything" });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("http://0.0.0.0:0")]
    [InlineData("http://[::]:0")]
    public async Task NoKeysConfigured_NonLoopbackAddress_Refused(string url)
    {
        using var directory = new TemporaryDirectory();
        WebApplication? app = null;

        var error = await Record.ExceptionAsync(async () =>
        {
            app = QwenRagApi.Build(["--urls", url, "--QwenRag:DataDirectory", directory.Path, "--Logging:LogLevel:Default", "None"]);
            await app.StartAsync();
        });

        if (app is not null)
        {
            if (error is null)
            {
                await app.StopAsync();
            }

            await app.DisposeAsync();
        }

        var refused = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("key", refused.Message, StringComparison.OrdinalIgnoreCase);
    }
}
