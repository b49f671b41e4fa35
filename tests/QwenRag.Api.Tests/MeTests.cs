using System.Net;
using System.Text.Json;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class MeTests(ApiFixture fixture)
{
    [Fact]
    public async Task Me_AdminKey_AdminOfEverySet()
    {
        var me = await MeAsync(fixture.Admin);

        Assert.Equal("admin", me.String("role"));
        Assert.Equal(JsonValueKind.Null, me.GetProperty("sets").ValueKind);
    }

    [Fact]
    public async Task Me_ReaderKey_ReaderOfEverySet()
    {
        var me = await MeAsync(fixture.Reader);

        Assert.Equal("reader", me.String("role"));
        Assert.Equal(JsonValueKind.Null, me.GetProperty("sets").ValueKind);
    }

    [Fact]
    public async Task Me_LimitedKeys_TheirSets()
    {
        var reader = await MeAsync(fixture.Limited);
        var admin = await MeAsync(fixture.LimitedAdmin);

        Assert.Equal("reader", reader.String("role"));
        Assert.Equal([ApiFixture.DocsSet], reader.GetProperty("sets").EnumerateArray().Select(set => set.GetString()));
        Assert.Equal("admin", admin.String("role"));
        Assert.Equal([ApiFixture.DocsSet], admin.GetProperty("sets").EnumerateArray().Select(set => set.GetString()));
    }

    [Fact]
    public async Task Me_BearerToken_Accepted()
    {
        var me = await MeAsync(fixture.Client(ApiFixture.ReaderKey, bearer: true));

        Assert.Equal("reader", me.String("role"));
    }

    [Fact]
    public async Task Me_WrongOrMissingKey_UnauthorizedProblem()
    {
        using var wrong = await fixture.Client("not-a-key").GetAsync("/v1/me");
        using var missing = await fixture.Anonymous.GetAsync("/v1/me");

        await ProblemAssert.IsProblemAsync(wrong, HttpStatusCode.Unauthorized);
        await ProblemAssert.IsProblemAsync(missing, HttpStatusCode.Unauthorized);
    }

    internal static async Task<JsonElement> MeAsync(HttpClient client)
    {
        using var response = await client.GetAsync("/v1/me");
        return await response.ReadJsonAsync(HttpStatusCode.OK);
    }
}
