using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace QwenRag.Cli.Bench;

/// <summary>
/// Searches and asks at the same time while one client keeps uploading documents, as a busy service sees them:
/// the clients are split between search and ask, and each upload is the given file with a unique trailing comment
/// (new bytes, so it is really ingested). The uploaded documents are deleted afterwards.
/// </summary>
internal static class MixedLoad
{
    public static async Task<MixedLoadResult> RunAsync(
        HttpClient client,
        string set,
        Func<int, HttpRequestMessage> search,
        Func<int, HttpRequestMessage> ask,
        int clients,
        TimeSpan duration,
        string? uploadPath,
        CancellationToken cancellationToken = default)
    {
        var searchers = Math.Max(1, (clients + 1) / 2);
        var askers = Math.Max(1, clients - searchers);
        using var stopUploads = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var uploads = uploadPath is null
            ? Task.FromResult(new UploadLoopResult(0, 0, [], null))
            : UploadLoopAsync(client, set, uploadPath, stopUploads.Token);
        var searches = HttpLoad.RunAsync(client, "search", search, searchers, duration, cancellationToken);
        var asks = HttpLoad.RunAsync(client, "ask", ask, askers, duration, cancellationToken);
        await Task.WhenAll(searches, asks);
        await stopUploads.CancelAsync();
        var uploaded = await uploads;
        foreach (var documentId in uploaded.DocumentIds)
        {
            using var _ = await client.DeleteAsync(
                $"v1/sets/{Uri.EscapeDataString(set)}/documents/{Uri.EscapeDataString(documentId)}", cancellationToken);
        }

        return new MixedLoadResult(await searches, await asks, uploaded.Succeeded, uploaded.Failed, uploaded.FirstError);
    }

    /// <summary>Uploads one copy at a time and waits for its job; the copy in progress when stopped is waited for too.</summary>
    private static async Task<UploadLoopResult> UploadLoopAsync(HttpClient client, string set, string path, CancellationToken stop)
    {
        var original = await File.ReadAllBytesAsync(path, CancellationToken.None);
        var extension = Path.GetExtension(path);
        var documents = new List<string>();
        var (succeeded, failed) = (0, 0);
        string? firstError = null;
        for (var copy = 0; !stop.IsCancellationRequested; copy++)
        {
            try
            {
                var (status, documentId, error) = await UploadAndWaitAsync(client, set, original, $"bench-mixed-{copy}{extension}");
                if (documentId is not null)
                {
                    documents.Add(documentId);
                }

                if (status == "succeeded")
                {
                    succeeded++;
                }
                else
                {
                    failed++;
                    firstError ??= error ?? status;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TimeoutException or JsonException)
            {
                failed++;
                firstError ??= ex.Message;
            }
        }

        return new UploadLoopResult(succeeded, failed, documents, firstError);
    }

    private static async Task<(string Status, string? DocumentId, string? Error)> UploadAndWaitAsync(
        HttpClient client, string set, byte[] original, string name)
    {
        // A trailing comment line: PDF readers and the text formats ignore it, and it makes the bytes new.
        var marker = Encoding.ASCII.GetBytes($"\n%qwenrag-bench {Guid.NewGuid():N}\n");
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent([.. original, .. marker]);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "file", name);
        using var upload = await client.PostAsync($"v1/sets/{Uri.EscapeDataString(set)}/documents", form);
        var body = await upload.Content.ReadAsStringAsync();
        if (!upload.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"upload answered {(int)upload.StatusCode}: {body}");
        }

        string jobId;
        using (var queued = JsonDocument.Parse(body))
        {
            jobId = queued.RootElement.GetProperty("jobs")[0].GetProperty("id").GetString()!;
        }

        return await UploadTiming.WaitForJobAsync(client, jobId, Stopwatch.StartNew(), CancellationToken.None);
    }

    private sealed record UploadLoopResult(int Succeeded, int Failed, IReadOnlyList<string> DocumentIds, string? FirstError);
}
