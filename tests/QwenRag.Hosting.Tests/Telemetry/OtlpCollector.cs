using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace QwenRag.Hosting.Tests.Telemetry;

/// <summary>
/// Stands in for an OpenTelemetry collector's OTLP/HTTP receiver on 127.0.0.1: answers every POST with 200 and
/// records its path, content type and size.
/// </summary>
internal sealed class OtlpCollector : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly Task _serving;

    public OtlpCollector()
    {
        Port = FreePort();
        Endpoint = new Uri($"http://127.0.0.1:{Port}");
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = ServeAsync();
    }

    public int Port { get; }

    public Uri Endpoint { get; }

    public ConcurrentQueue<(string Path, string? ContentType, long Bytes)> Posts { get; } = new();

    /// <summary>A loopback port nothing listens on now.</summary>
    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        try
        {
            _serving.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
            // stopped while waiting for a request
        }
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            Posts.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType, body.Length));
            context.Response.StatusCode = 200;
            context.Response.Close();
        }
    }
}
