using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using QwenRag.Core;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.SemanticKernel;

/// <summary>
/// A typed <see cref="HttpClient"/> for a QwenRag server's REST API: its base address and key are the client's
/// (<see cref="Configure"/>). Problem documents, timeouts and refused connections become
/// <see cref="QwenRagException"/>s whose messages say what the server said and what to do next.
/// </summary>
public sealed class QwenRagClient(HttpClient http) : IQwenRagBackend
{
    public const string ApiKeyHeader = "X-Api-Key";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly TimeSpan FirstPoll = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPoll = TimeSpan.FromSeconds(2);

    /// <summary>How long <see cref="UploadAsync"/> waits for the ingestion job.</summary>
    public TimeSpan UploadTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Points <paramref name="client"/> at a server: base address, key in <c>X-Api-Key</c>, timeout.</summary>
    public static void Configure(HttpClient client, Uri serverUrl, string? apiKey, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(serverUrl);
        client.BaseAddress = serverUrl.AbsoluteUri.EndsWith('/') ? serverUrl : new Uri(serverUrl.AbsoluteUri + "/");
        client.Timeout = timeout;
        if (!string.IsNullOrEmpty(apiKey))
        {
            client.DefaultRequestHeaders.Remove(ApiKeyHeader);
            client.DefaultRequestHeaders.Add(ApiKeyHeader, apiKey);
        }
    }

    public async Task<IReadOnlyList<SetSummary>> ListSetsAsync(CancellationToken cancellationToken = default) =>
        (await SendAsync<SetsBody>(() => new HttpRequestMessage(HttpMethod.Get, "v1/sets"), "list sets", cancellationToken)).Sets;

    public async Task<IReadOnlyList<QwenRagDocument>> ListDocumentsAsync(string set, CancellationToken cancellationToken = default) =>
        (await SendAsync<DocumentsBody>(
            () => new HttpRequestMessage(HttpMethod.Get, $"v1/sets/{Uri.EscapeDataString(set)}/documents"),
            "list documents",
            cancellationToken)).Documents;

    public Task<SearchResponse> SearchAsync(string set, string query, int top, CancellationToken cancellationToken = default) =>
        SendAsync<SearchResponse>(
            () => new HttpRequestMessage(HttpMethod.Post, $"v1/sets/{Uri.EscapeDataString(set)}/search")
            {
                Content = JsonContent.Create(new { query, top }, options: Json),
            },
            "search",
            cancellationToken);

    public Task<AskResponse> AskAsync(string set, string question, int top, CancellationToken cancellationToken = default) =>
        SendAsync<AskResponse>(
            () => new HttpRequestMessage(HttpMethod.Post, $"v1/sets/{Uri.EscapeDataString(set)}/ask")
            {
                Content = JsonContent.Create(new { question, top }, options: Json),
            },
            "ask",
            cancellationToken);

    /// <summary>Uploads the file, then polls its job until it succeeds or fails, for at most <see cref="UploadTimeout"/>.</summary>
    public async Task<QwenRagUpload> UploadAsync(string set, string path, CancellationToken cancellationToken = default)
    {
        var name = Path.GetFileName(path);
        var accepted = await SendAsync<UploadBody>(
            () =>
            {
                // The part has no Content-Type: the server picks the extractor by the name and checks the bytes.
                var file = new StreamContent(File.OpenRead(path));
                return new HttpRequestMessage(HttpMethod.Post, $"v1/sets/{Uri.EscapeDataString(set)}/documents")
                {
                    Content = new MultipartFormDataContent { { file, "file", name } },
                };
            },
            "upload",
            cancellationToken);
        var jobId = accepted.Jobs.Single().Id;

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(UploadTimeout);
        var wait = FirstPoll;
        JobBody job;
        try
        {
            while (true)
            {
                job = await SendAsync<JobBody>(
                    () => new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{Uri.EscapeDataString(jobId)}"), "read the upload's job", deadline.Token);
                if (job.Status is "succeeded" or "failed")
                {
                    break;
                }

                await Task.Delay(wait, deadline.Token);
                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, LongestPoll.Ticks));
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QwenRagException(
                $"The upload of '{name}' was accepted as job {jobId} but had not finished after {UploadTimeout.TotalSeconds:0} seconds; " +
                "the server goes on with it.",
                HttpStatusCode.RequestTimeout);
        }

        if (job.Status == "failed")
        {
            return new QwenRagUpload(job.Document, false, Error: job.Error, JobId: jobId);
        }

        var documents = await ListDocumentsAsync(set, cancellationToken);
        var document = documents.FirstOrDefault(entry => entry.Id == job.DocumentId);
        return new QwenRagUpload(job.Document, true, job.DocumentId, document?.Pages ?? 0, document?.Chunks ?? 0, JobId: jobId);
    }

    public async Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default) =>
        await SendAsync<object>(
            () => new HttpRequestMessage(
                HttpMethod.Delete, $"v1/sets/{Uri.EscapeDataString(set)}/documents/{Uri.EscapeDataString(documentId)}"),
            "delete a document",
            cancellationToken);

    private async Task<T> SendAsync<T>(Func<HttpRequestMessage> request, string operation, CancellationToken cancellationToken)
    {
        using var message = request();
        message.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new QwenRagException(
                $"The QwenRag server at {http.BaseAddress} did not answer within {http.Timeout.TotalSeconds:0} seconds ({operation}). " +
                "Retry later, or with a simpler request.",
                innerException: ex);
        }
        catch (HttpRequestException ex)
        {
            throw new QwenRagException($"Cannot reach the QwenRag server at {http.BaseAddress} ({operation}): {ex.Message}", innerException: ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw await ProblemMessages.ToExceptionAsync(response, operation, cancellationToken);
            }

            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return default!;
            }

            try
            {
                return await response.Content.ReadFromJsonAsync<T>(Json, cancellationToken)
                    ?? throw new JsonException("The body is empty.");
            }
            catch (JsonException ex)
            {
                throw new QwenRagException(
                    $"The server at {http.BaseAddress} answered {operation} with something that is not QwenRag's JSON: {ex.Message}",
                    response.StatusCode,
                    innerException: ex);
            }
        }
    }

    private sealed record SetsBody(IReadOnlyList<SetSummary> Sets);

    private sealed record DocumentsBody(IReadOnlyList<QwenRagDocument> Documents);

    private sealed record UploadBody(IReadOnlyList<JobBody> Jobs);

    private sealed record JobBody(string Id, string Document, string Status, string? Error = null, string? DocumentId = null);
}
