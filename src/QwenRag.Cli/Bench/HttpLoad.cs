using System.Diagnostics;

namespace QwenRag.Cli.Bench;

/// <summary>
/// Closed-loop load: a fixed number of clients, each sending its next request as soon as the last one answered
/// (at least one each), until the duration is over.
/// </summary>
internal static class HttpLoad
{
    public static async Task<HttpLoadResult> RunAsync(
        HttpClient client,
        string endpoint,
        Func<int, HttpRequestMessage> createRequest,
        int clients,
        TimeSpan duration,
        CancellationToken cancellationToken = default)
    {
        var next = -1;
        var errors = 0;
        string? firstError = null;
        var latencies = new List<double>[clients];
        var phase = Stopwatch.StartNew();
        var loops = Enumerable.Range(0, clients).Select(loop => Task.Run(
            async () =>
            {
                var mine = latencies[loop] = [];
                do
                {
                    using var request = createRequest(Interlocked.Increment(ref next));
                    var start = Stopwatch.GetTimestamp();
                    var error = await SendAsync(client, request, cancellationToken);
                    var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (error is null)
                    {
                        mine.Add(elapsed);
                    }
                    else
                    {
                        Interlocked.Increment(ref errors);
                        Interlocked.CompareExchange(ref firstError, error, null);
                    }
                }
                while (phase.Elapsed < duration);
            },
            cancellationToken));
        await Task.WhenAll(loops);
        phase.Stop();

        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new HttpLoadResult(
            endpoint,
            clients,
            Math.Round(phase.Elapsed.TotalSeconds, 2),
            all.Length,
            errors,
            Math.Round(all.Length / phase.Elapsed.TotalSeconds, 1),
            Percentile(all, 0.50),
            Percentile(all, 0.99),
            all.Length == 0 ? 0 : Math.Round(all[^1], 1),
            firstError);
    }

    /// <summary>Sends and reads the whole body; returns null on success, else what went wrong.</summary>
    private static async Task<string?> SendAsync(HttpClient client, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode
                ? null
                : $"{(int)response.StatusCode} {response.ReasonPhrase}: {(body.Length > 300 ? body[..300] : body)}";
        }
        catch (HttpRequestException ex)
        {
            return ex.Message;
        }
        catch (TaskCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return $"timed out: {ex.Message}";
        }
    }

    /// <summary>Nearest-rank percentile of sorted values, in milliseconds rounded to 0.1.</summary>
    private static double Percentile(double[] sorted, double quantile) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Max(0, (int)Math.Ceiling(quantile * sorted.Length) - 1)], 1);
}
