using System.Net;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary><c>QwenRag:Api:PublicDocs=true</c> serves the API reference without a key while the API itself still needs one.</summary>
public sealed class PublicDocsTests
{
    [Fact]
    public async Task PublicDocs_KeysConfigured_DocsOpenApiStillProtected()
    {
        using var directory = new TemporaryDirectory();
        await using var host = await ApiHost.StartAsync(
            directory.Path,
            "--QwenRag:Api:PublicDocs", "true",
            "--QwenRag:Auth:Keys:0:Key", "docs-admin-key",
            "--QwenRag:Auth:Keys:0:Role", "admin");
        using var anonymous = host.CreateClient();

        using var openApi = await anonymous.GetAsync("/openapi/v1.json");
        using var scalar = await anonymous.GetAsync("/scalar");
        using var sets = await anonymous.GetAsync("/v1/sets");

        Assert.StartsWith("3.", (await openApi.ReadJsonAsync(HttpStatusCode.OK)).String("openapi"), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, scalar.StatusCode);
        await ProblemAssert.IsProblemAsync(sets, HttpStatusCode.Unauthorized);
    }
}
