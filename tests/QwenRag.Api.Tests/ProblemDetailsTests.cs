using System.Net;
using System.Text;

namespace QwenRag.Api.Tests;

/// <summary>
/// Every kind of non-validation error the contract names answers with a problem that says what went wrong
/// (<c>detail</c>); validation problems say it in <c>errors</c> instead.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class ProblemDetailsTests(ApiFixture fixture)
{
    public enum Case
    {
        MissingKey,
        UnknownKey,
        ReaderOnAdminEndpoint,
        SetOutsideKey,
        UnknownSet,
        UnknownJob,
        UnknownDocument,
        RetryNotFailed,
        UnsupportedUpload,
        UploadTooLarge,
        MalformedJson,
        WrongContentType,
    }

    [Theory]
    [InlineData(Case.MissingKey, HttpStatusCode.Unauthorized)]
    [InlineData(Case.UnknownKey, HttpStatusCode.Unauthorized)]
    [InlineData(Case.ReaderOnAdminEndpoint, HttpStatusCode.Forbidden)]
    [InlineData(Case.SetOutsideKey, HttpStatusCode.Forbidden)]
    [InlineData(Case.UnknownSet, HttpStatusCode.NotFound)]
    [InlineData(Case.UnknownJob, HttpStatusCode.NotFound)]
    [InlineData(Case.UnknownDocument, HttpStatusCode.NotFound)]
    [InlineData(Case.RetryNotFailed, HttpStatusCode.Conflict)]
    [InlineData(Case.UnsupportedUpload, HttpStatusCode.UnsupportedMediaType)]
    [InlineData(Case.UploadTooLarge, HttpStatusCode.RequestEntityTooLarge)]
    [InlineData(Case.MalformedJson, HttpStatusCode.BadRequest)]
    [InlineData(Case.WrongContentType, HttpStatusCode.UnsupportedMediaType)]
    public async Task Error_ProblemWithDetail(Case error, HttpStatusCode expected)
    {
        using var response = await SendAsync(error);

        await ProblemAssert.IsProblemAsync(response, expected, requireDetail: true);
    }

    private Task<HttpResponseMessage> SendAsync(Case error)
    {
        var docs = $"/v1/sets/{ApiFixture.DocsSet}";
        return error switch
        {
            Case.MissingKey => fixture.Anonymous.GetAsync("/v1/sets"),
            Case.UnknownKey => fixture.Client("wrong-key").GetAsync("/v1/sets"),
            Case.ReaderOnAdminEndpoint => fixture.Reader.DeleteAsync($"{docs}/documents/{fixture.DocsDocumentId}"),
            Case.SetOutsideKey => fixture.Limited.SearchAsync(ApiFixture.MixedSet, new { query = "web server" }),
            Case.UnknownSet => fixture.Reader.SearchAsync("no-such-set", new { query = "anything" }),
            Case.UnknownJob => fixture.Reader.GetAsync("/v1/jobs/no-such-job"),
            Case.UnknownDocument => fixture.Admin.DeleteAsync($"{docs}/documents/no-such-document"),
            Case.RetryNotFailed => fixture.Admin.PostAsync($"/v1/jobs/{fixture.DocsJob.String("id")}/retry", content: null),
            Case.UnsupportedUpload => fixture.Admin.UploadAsync("problem-upload", [new UploadFile("tool.exe", [1, 2, 3])]),
            Case.UploadTooLarge => fixture.Admin.UploadAsync("problem-upload", [new UploadFile("big.txt", new byte[ApiFixture.MaxUploadBytes + 1], "text/plain")]),
            Case.MalformedJson => fixture.Reader.PostAsync($"{docs}/search", new StringContent("{\"query\": ", Encoding.UTF8, "application/json")),
            Case.WrongContentType => fixture.Reader.PostAsync($"{docs}/search", new StringContent("{\"query\":\"x\"}", Encoding.UTF8, "text/plain")),
            _ => throw new ArgumentOutOfRangeException(nameof(error)),
        };
    }
}
