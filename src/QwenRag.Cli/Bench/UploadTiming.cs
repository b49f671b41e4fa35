using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QwenRag.Ingestion.Extraction;

namespace QwenRag.Cli.Bench;

/// <summary>Times one upload from the request being sent until a search for a phrase of the file returns it.</summary>
internal static class UploadTiming
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);

    public static async Task<UploadTimingResult> RunAsync(HttpClient client, string set, string path, CancellationToken cancellationToken = default)
    {
        var name = Path.GetFileName(path);
        var content = await File.ReadAllBytesAsync(path, cancellationToken);
        var phrase = PhraseOf(content, name);
        var alreadyPresent = await IsPresentAsync(client, set, name, content.Length, cancellationToken);

        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(content);
        part.Headers.ContentType = new MediaTypeHeaderValue(ContentType(name));
        form.Add(part, "file", name);
        var clock = Stopwatch.StartNew();
        using var upload = await client.PostAsync($"v1/sets/{Uri.EscapeDataString(set)}/documents", form, cancellationToken);
        var accepted = clock.Elapsed.TotalMilliseconds;
        var body = await upload.Content.ReadAsStringAsync(cancellationToken);
        if (!upload.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"upload answered {(int)upload.StatusCode}: {body}");
        }

        string jobId;
        using (var queued = JsonDocument.Parse(body))
        {
            jobId = queued.RootElement.GetProperty("jobs")[0].GetProperty("id").GetString()!;
        }

        var (status, documentId, error) = await WaitForJobAsync(client, jobId, clock, cancellationToken);
        var succeeded = clock.Elapsed.TotalMilliseconds;
        var searchable = double.NaN;
        if (status == "succeeded" && documentId is not null)
        {
            await WaitUntilFoundAsync(client, set, phrase, documentId, clock, cancellationToken);
            searchable = clock.Elapsed.TotalMilliseconds;
        }

        return new UploadTimingResult(
            name, content.Length, jobId, documentId, status, error,
            Math.Round(accepted, 1), Math.Round(succeeded, 1), Math.Round(searchable, 1), phrase, alreadyPresent);
    }

    /// <summary>Polls the job until it succeeded or failed; throws <see cref="TimeoutException"/> after ten minutes on <paramref name="clock"/>.</summary>
    public static async Task<(string Status, string? DocumentId, string? Error)> WaitForJobAsync(
        HttpClient client, string jobId, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < Timeout)
        {
            using var job = JsonDocument.Parse(await client.GetStringAsync($"v1/jobs/{Uri.EscapeDataString(jobId)}", cancellationToken));
            var status = job.RootElement.GetProperty("status").GetString()!;
            if (status is "succeeded" or "failed")
            {
                return (status,
                    job.RootElement.TryGetProperty("documentId", out var id) ? id.GetString() : null,
                    job.RootElement.TryGetProperty("error", out var error) ? error.GetString() : null);
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        throw new TimeoutException($"job {jobId} did not finish within {Timeout}");
    }

    private static async Task WaitUntilFoundAsync(
        HttpClient client, string set, string phrase, string documentId, Stopwatch clock, CancellationToken cancellationToken)
    {
        while (clock.Elapsed < Timeout)
        {
            using var response = await client.PostAsJsonAsync(
                $"v1/sets/{Uri.EscapeDataString(set)}/search", new { query = phrase, top = 10 }, cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                using var results = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
                if (results.RootElement.GetProperty("results").EnumerateArray()
                    .Any(hit => hit.GetProperty("documentId").GetString() == documentId))
                {
                    return;
                }
            }

            await Task.Delay(PollInterval, cancellationToken);
        }

        throw new TimeoutException($"'{phrase}' did not find the uploaded document within {Timeout}");
    }

    private static async Task<bool> IsPresentAsync(HttpClient client, string set, string name, long bytes, CancellationToken cancellationToken)
    {
        using var response = await client.GetAsync($"v1/sets/{Uri.EscapeDataString(set)}/documents", cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return false;
        }

        using var documents = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        return documents.RootElement.GetProperty("documents").EnumerateArray().Any(d =>
            d.GetProperty("name").GetString() == name && d.GetProperty("bytes").GetInt64() == bytes);
    }

    /// <summary>A sentence-like run of 8-16 words from the middle of the document: what a user might remember of it.</summary>
    private static string PhraseOf(byte[] content, string name)
    {
        using var stream = new MemoryStream(content);
        var text = DocumentExtractors.CreateDefault().Extract(stream, name).FullText;
        var sentences = text.Split(['.', '?', '!', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(words => words.Length >= 8 && words.Count(w => w.All(char.IsLetter)) >= words.Length * 3 / 4)
            .ToArray();
        if (sentences.Length == 0)
        {
            throw new ArgumentException($"{name} has no sentence to search for.");
        }

        return string.Join(' ', sentences[sentences.Length / 2].Take(16));
    }

    private static string ContentType(string name) => Path.GetExtension(name).ToLowerInvariant() switch
    {
        ".pdf" => "application/pdf",
        ".md" => "text/markdown",
        ".html" or ".htm" => "text/html",
        ".txt" => "text/plain",
        ".docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    };
}
