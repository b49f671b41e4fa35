using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace QwenRag.Console.Tests;

/// <summary>REST calls the tests make beside the browser: seeding data and reading what the API itself reports.</summary>
internal static class RestCalls
{
    private static readonly TimeSpan JobTimeout = TimeSpan.FromMinutes(2);

    /// <summary>Uploads one file, expects 202, waits for the job to succeed and returns the job.</summary>
    public static async Task<JsonElement> UploadAndWaitAsync(this HttpClient client, string set, string name, byte[] content)
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", name);
        using var response = await client.PostAsync($"/v1/sets/{Uri.EscapeDataString(set)}/documents", form);
        var body = await response.ReadJsonAsync(HttpStatusCode.Accepted);
        var id = body.GetProperty("jobs")[0].GetProperty("id").GetString()!;
        var deadline = DateTime.UtcNow + JobTimeout;
        while (true)
        {
            using var poll = await client.GetAsync($"/v1/jobs/{Uri.EscapeDataString(id)}");
            var job = await poll.ReadJsonAsync(HttpStatusCode.OK);
            var status = job.GetProperty("status").GetString();
            if (status == "succeeded")
            {
                return job;
            }

            Assert.True(status != "failed", $"seeding {name} into {set} failed: {job}");
            Assert.True(DateTime.UtcNow < deadline, $"seeding {name} into {set}: job still {status} after {JobTimeout}");
            await Task.Delay(150);
        }
    }

    public static async Task<JsonElement[]> DocumentsAsync(this HttpClient client, string set)
    {
        using var response = await client.GetAsync($"/v1/sets/{Uri.EscapeDataString(set)}/documents");
        var json = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. json.GetProperty("documents").EnumerateArray()];
    }

    public static async Task<JsonElement[]> SetsAsync(this HttpClient client)
    {
        using var response = await client.GetAsync("/v1/sets");
        var json = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. json.GetProperty("sets").EnumerateArray()];
    }

    public static async Task<JsonElement[]> SearchAsync(this HttpClient client, string set, string query)
    {
        using var response = await client.PostAsJsonAsync($"/v1/sets/{Uri.EscapeDataString(set)}/search", new { query, top = 5 });
        var json = await response.ReadJsonAsync(HttpStatusCode.OK);
        return [.. json.GetProperty("results").EnumerateArray()];
    }

    public static async Task<JsonElement> ReadJsonAsync(this HttpResponseMessage response, HttpStatusCode expected)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(
            response.StatusCode == expected,
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri?.PathAndQuery}: expected {(int)expected}, got {(int)response.StatusCode}: {text}");
        using var document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static string String(this JsonElement element, string property) =>
        element.GetProperty(property).GetString() ?? throw new InvalidOperationException($"{property} is null in {element}");
}
