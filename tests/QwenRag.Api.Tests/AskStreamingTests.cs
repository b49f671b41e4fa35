using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace QwenRag.Api.Tests;

[Collection(ApiCollection.Name)]
public sealed class AskStreamingTests(ApiFixture fixture)
{
    [Fact]
    public async Task AskStream_DeltasThenCitationsThenDone()
    {
        using var response = await SendStreamingAsync(ApiFixture.DocsSet, new { question = AskTests.Question });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ServerSentEventReader.ReadAllAsync(await response.Content.ReadAsStreamAsync());

        Assert.True(events.Count >= 3, $"too few events: {string.Join(" | ", events)}");
        var deltas = events.TakeWhile(e => e.Event == "delta").ToArray();
        Assert.NotEmpty(deltas);
        Assert.Equal(["citations", "done"], events.Skip(deltas.Length).Select(e => e.Event));
        Assert.All(deltas, d => Assert.Equal(JsonValueKind.String, Json(d).GetProperty("text").ValueKind));
        var citations = Json(events[^2]).GetProperty("citations").EnumerateArray().ToArray();
        Assert.NotEmpty(citations);
        Assert.All(citations, c => Assert.Equal(ApiFixture.DocsPdf, c.String("document")));
        Assert.All(citations, c => Assert.True(c.GetProperty("pageEnd").GetInt32() >= c.GetProperty("page").GetInt32(), $"pageEnd before page: {c}"));
        Assert.All(citations, c => Assert.False(string.IsNullOrWhiteSpace(c.String("text")), $"no passage text: {c}"));
        Assert.Equal("extractive", Json(events[^1]).String("generator"));
    }

    [Fact]
    public async Task AskStream_SameAnswerAndCitationsAsJson()
    {
        using var json = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = AskTests.Question, top = 4 });
        var expected = await json.ReadJsonAsync(HttpStatusCode.OK);

        using var response = await SendStreamingAsync(ApiFixture.DocsSet, new { question = AskTests.Question, top = 4 });
        var events = await ServerSentEventReader.ReadAllAsync(await response.Content.ReadAsStreamAsync());

        var text = string.Concat(events.Where(e => e.Event == "delta").Select(e => Json(e).String("text")));
        Assert.Equal(expected.String("answer"), text);
        var streamed = Json(Assert.Single(events, e => e.Event == "citations"));
        Assert.Equal(AskTests.Citations(expected), AskTests.Citations(streamed));
    }

    [Fact]
    public async Task AskStream_ValidationError_ProblemNotStream()
    {
        using var response = await SendStreamingAsync(ApiFixture.DocsSet, new { question = " ", top = 0 });

        await ProblemAssert.IsValidationProblemAsync(response, "question");
    }

    [Fact]
    public async Task AskStream_UnknownSet_NotFoundProblem()
    {
        using var response = await SendStreamingAsync("no-such-set", new { question = AskTests.Question });

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AskStream_NoKey_UnauthorizedProblem()
    {
        using var response = await SendStreamingAsync(ApiFixture.DocsSet, new { question = AskTests.Question }, fixture.Anonymous);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AskStream_ClientDisconnects_ServerKeepsServing()
    {
        // No draining: disposing a half-read response closes its connection instead of reading the rest.
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var client = new HttpClient(handler) { BaseAddress = fixture.Host.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiFixture.ReaderKey);
        for (var i = 0; i < 5; i++)
        {
            using var response = await SendStreamingAsync(ApiFixture.DocsSet, new { question = AskTests.Question }, client);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            await using var first = ServerSentEventReader.ReadAsync(await response.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
            Assert.True(await first.MoveNextAsync());
            Assert.Equal("delta", first.Current.Event);
        }

        for (var i = 0; i < 3; i++)
        {
            await AbandonAfterFirstBytesAsync();
        }

        using var health = await fixture.Anonymous.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        using var again = await SendStreamingAsync(ApiFixture.DocsSet, new { question = AskTests.Question });
        var events = await ServerSentEventReader.ReadAllAsync(await again.Content.ReadAsStreamAsync());
        Assert.Equal("done", events[^1].Event);
        using var json = await fixture.Reader.AskAsync(ApiFixture.DocsSet, new { question = AskTests.Question });
        await json.ReadJsonAsync(HttpStatusCode.OK);
    }

    /// <summary>A raw socket that sends a streaming ask, reads a few bytes of the answer and resets the connection.</summary>
    private async Task AbandonAfterFirstBytesAsync()
    {
        var body = JsonSerializer.Serialize(new { question = AskTests.Question });
        var request =
            $"POST /v1/sets/{ApiFixture.DocsSet}/ask HTTP/1.1\r\nHost: {fixture.Host.Address.Authority}\r\n" +
            $"X-Api-Key: {ApiFixture.ReaderKey}\r\nAccept: text/event-stream\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n{body}";
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(fixture.Host.Address.Host, fixture.Host.Address.Port);
        await socket.SendAsync(Encoding.UTF8.GetBytes(request));
        var buffer = new byte[64];
        var read = await socket.ReceiveAsync(buffer);
        Assert.StartsWith("HTTP/1.1 200", Encoding.ASCII.GetString(buffer, 0, read), StringComparison.Ordinal);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
    }

    private Task<HttpResponseMessage> SendStreamingAsync(string set, object body, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/sets/{Uri.EscapeDataString(set)}/ask")
        {
            Content = JsonContent.Create(body),
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return (client ?? fixture.Reader).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    private static JsonElement Json(ServerSentEvent item)
    {
        using var document = JsonDocument.Parse(item.Data);
        return document.RootElement.Clone();
    }
}
