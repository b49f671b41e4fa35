using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace QwenRag.Api.Tests;

/// <summary>The calls the tests make over and over, against the JSON wire format (no shared DTOs: the contract is the JSON).</summary>
public static class ApiCalls
{
    public static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    private static readonly string[] JobStatuses = ["queued", "running", "succeeded", "failed"];

    public static Task<HttpResponseMessage> UploadAsync(
        this HttpClient client, string set, IEnumerable<UploadFile> files, IEnumerable<string>? tags = null)
    {
        var form = new MultipartFormDataContent();
        foreach (var file in files)
        {
            var part = new ByteArrayContent(file.Content);
            part.Headers.ContentType = new MediaTypeHeaderValue(file.ContentType);
            form.Add(part, "file", file.Name);
        }

        foreach (var tag in tags ?? [])
        {
            form.Add(new StringContent(tag), "tags");
        }

        return client.PostAsync($"/v1/sets/{Uri.EscapeDataString(set)}/documents", form);
    }

    /// <summary>Uploads, expects 202, and returns the queued jobs.</summary>
    public static async Task<JsonElement[]> UploadAcceptedAsync(
        this HttpClient client, string set, IEnumerable<UploadFile> files, IEnumerable<string>? tags = null)
    {
        using var response = await client.UploadAsync(set, files, tags);
        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        return [.. body.GetProperty("jobs").EnumerateArray()];
    }

    /// <summary>Polls <c>GET /v1/jobs/{id}</c> until the job succeeds or fails, checking every state it passes through.</summary>
    public static async Task<JsonElement> WaitForJobAsync(this HttpClient client, string id)
    {
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            using var response = await client.GetAsync($"/v1/jobs/{Uri.EscapeDataString(id)}");
            var job = await response.ReadJsonAsync(HttpStatusCode.OK);
            Assert.Equal(id, job.GetProperty("id").GetString());
            var status = job.GetProperty("status").GetString();
            Assert.Contains(status, JobStatuses);
            var progress = job.GetProperty("progress").GetDouble();
            Assert.InRange(progress, 0.0, 1.0);
            if (status is "succeeded" or "failed")
            {
                return job;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"job {id} still {status} (progress {progress}) after {JobTimeout}");
            }

            await Task.Delay(150);
        }
    }

    public static async Task<JsonElement> WaitForSuccessAsync(this HttpClient client, string id)
    {
        var job = await client.WaitForJobAsync(id);
        Assert.True(job.GetProperty("status").GetString() == "succeeded", $"job {id} did not succeed: {job}");
        return job;
    }

    public static Task<HttpResponseMessage> SearchAsync(this HttpClient client, string set, object body) =>
        client.PostAsJsonAsync($"/v1/sets/{Uri.EscapeDataString(set)}/search", body);

    public static async Task<JsonElement[]> SearchResultsAsync(this HttpClient client, string set, object body)
    {
        using var response = await client.SearchAsync(set, body);
        var json = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. json.GetProperty("results").EnumerateArray()];
    }

    public static Task<HttpResponseMessage> AskAsync(this HttpClient client, string set, object body) =>
        client.PostAsJsonAsync($"/v1/sets/{Uri.EscapeDataString(set)}/ask", body);

    /// <summary>Asks with <c>Accept: text/event-stream</c>, returning once the headers are in (the body streams).</summary>
    public static Task<HttpResponseMessage> AskStreamingAsync(this HttpClient client, string set, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sets/{Uri.EscapeDataString(set)}/ask")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>An event's data parsed as JSON.</summary>
    public static JsonElement Json(this ServerSentEvent item)
    {
        using var document = JsonDocument.Parse(item.Data);
        return document.RootElement.Clone();
    }

    public static async Task<JsonElement[]> DocumentsAsync(this HttpClient client, string set)
    {
        using var response = await client.GetAsync($"/v1/sets/{Uri.EscapeDataString(set)}/documents");
        var json = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. json.GetProperty("documents").EnumerateArray()];
    }

    /// <summary>Asserts the status and a JSON body, and returns the body (cloned, so it outlives the response).</summary>
    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static string String(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"{property} is null in {element}");
}
