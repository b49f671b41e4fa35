using System.Net;
using System.Text.Json;

namespace QwenRag.Api.Tests;

/// <summary>Checks RFC 7807 problem details: <c>application/problem+json</c> with type, title, status (and, when asked, detail).</summary>
public static class ProblemAssert
{
    public static async Task<JsonElement> IsProblemAsync(HttpResponseMessage response, HttpStatusCode expected, bool requireDetail = false)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.True(
            response.Content.Headers.ContentType?.MediaType == "application/problem+json",
            $"expected application/problem+json, got '{response.Content.Headers.ContentType}' with body: {text}");
        using var document = JsonDocument.Parse(text);
        var problem = document.RootElement.Clone();
        Assert.Equal((int)expected, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("type").GetString()), $"no type: {text}");
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()), $"no title: {text}");
        if (requireDetail)
        {
            Assert.True(
                problem.TryGetProperty("detail", out var detail) && !string.IsNullOrWhiteSpace(detail.GetString()),
                $"no detail: {text}");
        }

        return problem;
    }

    /// <summary>A 400 validation problem whose <c>errors</c> name <paramref name="field"/> with at least one message.</summary>
    public static async Task<JsonElement> IsValidationProblemAsync(HttpResponseMessage response, string field)
    {
        var problem = await IsProblemAsync(response, HttpStatusCode.BadRequest, requireDetail: false);
        Assert.True(problem.TryGetProperty("errors", out var errors), $"no errors: {problem}");
        Assert.True(errors.TryGetProperty(field, out var messages), $"errors do not name '{field}': {errors}");
        Assert.NotEmpty(messages.EnumerateArray());
        Assert.All(messages.EnumerateArray(), message => Assert.False(string.IsNullOrWhiteSpace(message.GetString())));
        return problem;
    }
}
