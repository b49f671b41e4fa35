using System.Runtime.CompilerServices;
using System.Text;

namespace QwenRag.Api.Tests;

/// <summary>
/// A small reader for the <c>text/event-stream</c> format (WHATWG HTML, "server-sent events"): <c>event:</c> and
/// <c>data:</c> fields, one optional space after the colon, comments starting with ':', an event dispatched at a
/// blank line. Deliberately independent of the server's own SSE code.
/// </summary>
public static class ServerSentEventReader
{
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? eventType = null;
        var data = new StringBuilder();
        var hasData = false;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (hasData)
                {
                    yield return new ServerSentEvent(eventType ?? "message", data.ToString());
                }

                eventType = null;
                data.Clear();
                hasData = false;
                continue;
            }

            if (line[0] == ':')
            {
                continue;
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "event":
                    eventType = value;
                    break;
                case "data":
                    if (hasData)
                    {
                        data.Append('\n');
                    }

                    data.Append(value);
                    hasData = true;
                    break;
                default:
                    break; // id, retry and unknown fields carry nothing the tests need
            }
        }

        // A stream that ends without a final blank line leaves its last event undispatched, as in browsers.
    }

    public static async Task<IReadOnlyList<ServerSentEvent>> ReadAllAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        var events = new List<ServerSentEvent>();
        await foreach (var item in ReadAsync(stream, cancellationToken))
        {
            events.Add(item);
        }

        return events;
    }
}
