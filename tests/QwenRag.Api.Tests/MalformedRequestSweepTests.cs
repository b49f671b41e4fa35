using System.Net;
using System.Net.Sockets;
using System.Text;

namespace QwenRag.Api.Tests;

/// <summary>
/// Every endpoint gets every class of malformed or hostile request: none may answer 5xx, and every error the app
/// answers is a problem document. Errors Kestrel answers itself before the app sees the request (a request line
/// or headers over its limits, unparseable framing) have no body; those must still be 4xx.
/// </summary>
[Collection(ApiCollection.Name)]
public sealed class MalformedRequestSweepTests(ApiFixture fixture)
{
    private const string FakeId = "0123456789abcdef0123456789abcdef";
    private const string Boundary = "sweep-boundary";

    private static readonly Dictionary<string, (string Method, string Path)> Endpoints = new(StringComparer.Ordinal)
    {
        ["me"] = ("GET", "/v1/me"),
        ["list-sets"] = ("GET", "/v1/sets"),
        ["delete-set"] = ("DELETE", "/v1/sets/{upload-set}"),
        ["list-documents"] = ("GET", "/v1/sets/{set}/documents"),
        ["upload"] = ("POST", "/v1/sets/{upload-set}/documents"),
        ["delete-document"] = ("DELETE", "/v1/sets/{upload-set}/documents/{id}"),
        ["reindex-document"] = ("POST", "/v1/sets/{set}/documents/{id}/reindex"),
        ["search"] = ("POST", "/v1/sets/{set}/search"),
        ["ask"] = ("POST", "/v1/sets/{set}/ask"),
        ["list-jobs"] = ("GET", "/v1/jobs"),
        ["get-job"] = ("GET", "/v1/jobs/{id}"),
        ["retry-job"] = ("POST", "/v1/jobs/{id}/retry"),
        ["health-ready"] = ("GET", "/health/ready"),
        ["openapi"] = ("GET", "/openapi/v1.json"),
    };

    private static readonly Dictionary<string, Func<string, string, IEnumerable<Probe>>> Classes = new(StringComparer.Ordinal)
    {
        ["empty-body"] = (method, path) =>
        [
            Body(method, path, [], "application/json"),
            Body(method, path, [], $"multipart/form-data; boundary={Boundary}"),
            Body(method, path, [], null),
        ],
        ["truncated-multipart"] = (method, path) =>
        [
            Body(method, path, Multipart(Boundary)[..60], $"multipart/form-data; boundary={Boundary}"),
            Body(method, path, Multipart(Boundary)[..^10], $"multipart/form-data; boundary={Boundary}"),
        ],
        ["wrong-boundary"] = (method, path) => [Body(method, path, Multipart("other-boundary"), $"multipart/form-data; boundary={Boundary}")],
        ["no-boundary"] = (method, path) =>
        [
            Body(method, path, Multipart(Boundary), "multipart/form-data"),
            Body(method, path, Multipart(Boundary), "multipart/form-data; boundary="),
            Body(method, path, Multipart(new string('b', 200)), $"multipart/form-data; boundary={new string('b', 200)}"),
        ],
        ["bad-content-type"] = (method, path) =>
        [
            Body(method, path, "{}"u8.ToArray(), "application/x-nonsense;;;=="),
            Body(method, path, "{}"u8.ToArray(), "multipart/form-data; boundary=\"unterminated"),
            Body(method, path, "{}"u8.ToArray(), "text/plain"),
            Body(method, path, "{}"u8.ToArray(), "application/json; charset=utf-1024"),
            Body(method, path, Multipart(Boundary), $"multipart/mixed; boundary={Boundary}"),
            Body(method, path, "a=b&c=d"u8.ToArray(), "application/x-www-form-urlencoded"),
        ],
        ["odd-multipart-parts"] = (method, path) =>
        [
            MultipartBody(method, path, "\r\n\r\nno headers at all\r\n"),
            MultipartBody(method, path, "Content-Disposition: form-data; name=\"file\"\r\n\r\nno file name\r\n"),
            MultipartBody(method, path, "Content-Disposition: form-data; name=\"file\"; filename*=utf-8''%FF%FE%00.md\r\n\r\n# a\r\n"),
            MultipartBody(method, path, "Content-Disposition: garbage;;;\"\r\n\r\nx\r\n"),
            MultipartBody(method, path, string.Concat(Enumerable.Range(0, 40).Select(i => $"X-H{i}: v\r\n")) + "\r\nx\r\n"),
            MultipartBody(method, path, $"Content-Disposition: form-data; name=\"tags\"\r\nX-Long: {new string('h', 40_000)}\r\n\r\nx\r\n"),
            Body(method, path, [.. Encoding.ASCII.GetBytes($"--{Boundary}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\n"), 0xFF, 0xFE, 0xC0, .. Encoding.ASCII.GetBytes($"\r\n--{Boundary}--\r\n")], $"multipart/form-data; boundary={Boundary}"),
            Body(method, path, Encoding.ASCII.GetBytes($"--{Boundary}--\r\n"), $"multipart/form-data; boundary={Boundary}"),
            Body(method, path, [0x00, 0xFF, 0x13, 0x37, .. Enumerable.Repeat((byte)0xAB, 5000)], $"multipart/form-data; boundary={Boundary}"),
        ],
        ["bad-json"] = (method, path) => Jsons(method, path, "{\"query\": ", "{", "[", "nul", "{\"query\":\"x\",}", "{'query':'x'}", "{\"query\":\"x\"}{}"),
        ["wrong-json-types"] = (method, path) => Jsons(
            method,
            path,
            "{\"query\":5,\"question\":5}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":\"ten\"}",
            "{\"query\":\"x\",\"filter\":[1]}",
            "{\"query\":\"x\",\"filter\":{\"documents\":\"abc\",\"tags\":{}}}",
            "{\"query\":\"x\",\"filter\":{\"documents\":[1,null,{}]}}",
            "{\"question\":{\"a\":1},\"maxTokens\":true}",
            "[]",
            "\"string\"",
            "null",
            "{\"query\":null,\"question\":null,\"filter\":null}"),
        ["deep-json"] = (method, path) => Jsons(
            method,
            path,
            "{\"query\":" + new string('[', 5000) + new string(']', 5000) + "}",
            "{\"query\":\"x\",\"filter\":" + string.Concat(Enumerable.Repeat("{\"a\":", 2000)) + "1" + new string('}', 2001),
            new string('[', 20_000)),
        ["numbers-out-of-range"] = (method, path) => Jsons(
            method,
            path,
            "{\"query\":\"x\",\"question\":\"x\",\"top\":1e40}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":99999999999}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":-5}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":0}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":1.5}",
            "{\"query\":\"x\",\"question\":\"x\",\"top\":NaN}",
            "{\"question\":\"x\",\"maxTokens\":2147483648}",
            "{\"question\":\"x\",\"maxTokens\":-1}",
            "{\"question\":\"x\",\"maxTokens\":0}"),
        ["huge-strings"] = (method, path) => Jsons(
            method,
            path,
            $"{{\"query\":\"{new string('q', 200_000)}\",\"question\":\"{new string('q', 200_000)}\"}}",
            $"{{\"query\":\"{new string('q', 4001)}\",\"question\":\"{new string('q', 4001)}\"}}",
            $"{{\"query\":\"x\",\"filter\":{{\"tags\":[\"{new string('t', 50_000)}\"],\"documents\":[\"{new string('d', 5000)}\"]}}}}"),
        ["nul-bytes-and-bad-utf8"] = (method, path) =>
        [
            .. Jsons(
                method,
                path,
                "{\"query\":\"a\\u0000b\",\"question\":\"a\\u0000b\"}",
                "{\"query\":\"\\u0000\",\"question\":\"\\u0000\",\"filter\":{\"tags\":[\"\\u0000\"],\"documents\":[\"\\u0000\"]}}",
                "{\"query\":\"\\ud800\",\"question\":\"\\udfff\"}",
                "{\"query\":\"\\\"*OR NEAR(\",\"question\":\"' OR 1=1; --\"}",
                "{\"query\":\"\\u202e\\u200b\\ufeff\",\"question\":\"\\u202e\"}"),
            Body(method, path, [.. "{\"query\":\""u8, 0xFF, 0xFE, 0xC0, 0x80, .. "\",\"question\":\""u8, 0xED, 0xA0, 0x80, .. "\"}"u8], "application/json"),
            Body(method, path, [0xFF, 0xFE, .. Encoding.Unicode.GetBytes("{\"query\":\"x\"}")], "application/json"),
        ],
        ["bad-set-names"] = (method, path) => path.Contains("{set}", StringComparison.Ordinal) || path.Contains("{upload-set}", StringComparison.Ordinal)
            ? new[] { "..", "%2e%2e", "a%20b", new string('s', 300), new string('s', 6000), "%F0%9F%98%80", "-x", "%2F", "%FF", "a%0d%0ab" }
                .Select(set => Json(method, path.Replace("{set}", set, StringComparison.Ordinal).Replace("{upload-set}", set, StringComparison.Ordinal), "{\"query\":\"x\",\"question\":\"x\"}"))
                .Append(NulInPath(method, path.Replace("{set}", "a%00b", StringComparison.Ordinal).Replace("{upload-set}", "a%00b", StringComparison.Ordinal)))
            : [],
        ["bad-ids"] = (method, path) => path.Contains("{id}", StringComparison.Ordinal)
            ? new[] { new string('i', 300), "..", "%2e", "%F0%9F%98%80", "'%3B%20DROP%20TABLE%20x%3B--", "%2F", "%FF", "a%0d%0ab", "-1" }
                .Select(id => Json(method, path.Replace("{id}", id, StringComparison.Ordinal), "{}"))
                .Append(NulInPath(method, path.Replace("{id}", "%00", StringComparison.Ordinal)))
            : [],
        ["odd-query-parameters"] = (method, path) => new[]
            {
                "?status=bogus&limit=-1", "?limit=abc", "?limit=99999999999", "?limit=0", "?set=..", "?set=&status=", "?limit=1&limit=2",
                "?status=0", "?status=Queued,Failed", "?%00=%00", "?top=a&set=%FF", "?" + new string('&', 3000), "?status=%00",
            }
            .Select(query => Json(method, path + query, "{\"query\":\"x\",\"question\":\"x\"}")),
        ["overlong-url"] = (method, path) =>
        [
            Json(method, path + "?q=" + new string('u', 20_000), "{}") with { KestrelMayAnswer = true },
            Json(method, path + "/" + string.Join('/', Enumerable.Repeat("seg", 1500)), "{}"),
        ],
        ["odd-headers"] = (method, path) =>
        [
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("X-Api-Key", "another-key")),
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("Authorization", "Bearer")),
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("Accept", "text/event-stream;;q=abc, */*;q=-1")),
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("Accept", "text/event-stream")),
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("Accept-Language", new string('x', 10_000))),
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Headers.TryAddWithoutValidation("X-Big", new string('x', 40_000))) with { KestrelMayAnswer = true },
            Json(method, path, "{\"query\":\"x\",\"question\":\"x\"}", request => request.Content!.Headers.TryAddWithoutValidation("Content-Encoding", "gzip")),
            Raw(method, path, "Content-Type: application/json\r\nContent-Type: multipart/form-data; boundary=x\r\n", "{\"query\":\"x\",\"question\":\"x\"}"),
            Raw(method, path, "Content-Type: application/json\r\nX-Api-Key: \u00e9\u00ff\r\n", "{\"query\":\"x\"}"),
        ],
        ["broken-framing"] = (method, path) =>
        [
            Raw(method, path, "Content-Type: application/json\r\nContent-Length: 5\r\nContent-Length: 9\r\n", "{\"a\":1}"),
            Raw(method, path, "Content-Type: application/json\r\nContent-Length: 7\r\nTransfer-Encoding: chunked\r\n", "7\r\n{\"a\":1}\r\n0\r\n\r\n"),
            Raw(method, path, "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n", "zz\r\n{\"a\":1}\r\n0\r\n\r\n"),
            Raw(method, path, "Content-Type: application/json\r\nContent-Length: 1000\r\n", "{\"query\":\"x\"", closeAfterSending: true),
            Raw(method, path, $"Content-Type: multipart/form-data; boundary={Boundary}\r\nContent-Length: 100000\r\n", Encoding.ASCII.GetString(Multipart(Boundary)), closeAfterSending: true),
            Raw(method, path, "Content-Type: application/json\r\nContent-Length: -1\r\n", "{}"),
        ],
        ["wrong-methods"] = (_, path) => new[] { "PUT", "PATCH", "DELETE", "POST", "GET", "OPTIONS", "HEAD", "FOO" }
            .Select(other => Json(other, path, "{\"query\":\"x\",\"question\":\"x\"}")),
    };

    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var endpoint in Endpoints.Keys)
        {
            foreach (var kind in Classes.Keys)
            {
                cases.Add(endpoint, kind);
            }
        }

        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task MalformedRequest_NeverServerError_AlwaysProblem(string endpoint, string kind)
    {
        var (method, template) = Endpoints[endpoint];
        var path = template.Replace("{set}", ApiFixture.DocsSet, StringComparison.Ordinal)
            .Replace("{upload-set}", "sweep", StringComparison.Ordinal)
            .Replace("{id}", FakeId, StringComparison.Ordinal);
        var failures = new List<string>();
        var probes = kind switch
        {
            "bad-set-names" => Classes[kind](method, template.Replace("{id}", FakeId, StringComparison.Ordinal)),
            "bad-ids" => Classes[kind](method, template.Replace("{set}", ApiFixture.DocsSet, StringComparison.Ordinal)
                .Replace("{upload-set}", "sweep", StringComparison.Ordinal)),
            _ => Classes[kind](method, path),
        };
        foreach (var probe in probes.ToArray())
        {
            var outcome = probe.Raw is not null ? await SendRawAsync(probe) : await SendAsync(probe);
            if (outcome.Status >= 500)
            {
                failures.Add($"{probe.Label}: {outcome.Status} {outcome.Body}");
            }
            else if (outcome.Status >= 400 && !outcome.IsProblem && !(outcome.FromKestrel && (probe.Raw is not null || probe.KestrelMayAnswer)) && probe.Method != "HEAD")
            {
                failures.Add($"{probe.Label}: {outcome.Status} without a problem document: '{outcome.ContentType}' {outcome.Body}");
            }
        }

        Assert.True(failures.Count == 0, $"{endpoint} x {kind}:\n" + string.Join('\n', failures));
    }

    private async Task<Outcome> SendAsync(Probe probe)
    {
        using var request = new HttpRequestMessage(new HttpMethod(probe.Method), probe.Path);
        if (probe.Content is not null)
        {
            var content = new ByteArrayContent(probe.Content);
            if (probe.ContentType is not null)
            {
                content.Headers.TryAddWithoutValidation("Content-Type", probe.ContentType);
            }

            request.Content = content;
        }

        probe.Configure?.Invoke(request);
        try
        {
            using var response = await fixture.Admin.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var type = response.Content.Headers.ContentType?.MediaType;
            return new Outcome((int)response.StatusCode, type, Shorten(body), type == "application/problem+json", body.Length == 0 && type is null);
        }
        catch (HttpRequestException ex)
        {
            // No answer at all is as bad as a 5xx: the server failed to respond.
            return new Outcome(599, null, $"no response: {ex.Message}", false, true);
        }
    }

    /// <summary>Bytes HttpClient would not send (duplicate or broken framing headers) over a plain socket to 127.0.0.1.</summary>
    private async Task<Outcome> SendRawAsync(Probe probe)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Host.Address.Port);
        var head = $"{probe.Method} {probe.Path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Api-Key: {ApiFixture.AdminKey}\r\nConnection: close\r\n{probe.Raw}";
        if (!probe.Raw!.Contains("Content-Length", StringComparison.Ordinal) && !probe.Raw.Contains("Transfer-Encoding", StringComparison.Ordinal))
        {
            head += $"Content-Length: {Encoding.UTF8.GetByteCount(probe.RawBody!)}\r\n";
        }

        using var stream = new NetworkStream(socket, ownsSocket: false);
        using var reader = new MemoryStream();
        try
        {
            await stream.WriteAsync(Encoding.Latin1.GetBytes(head + "\r\n").Concat(Encoding.UTF8.GetBytes(probe.RawBody!)).ToArray());
            if (probe.CloseAfterSending)
            {
                socket.Shutdown(SocketShutdown.Send);
            }

            await stream.CopyToAsync(reader);
        }
        catch (IOException)
        {
            // The server may answer and close before reading everything; what arrived is the answer.
        }

        var text = Encoding.UTF8.GetString(reader.ToArray());
        var statusLine = text.Split("\r\n", 2)[0].Split(' ');
        var status = statusLine.Length > 1 && int.TryParse(statusLine[1], out var code) ? code : 0;
        if (status == 0)
        {
            // Closing without an answer is how Kestrel may refuse framing it cannot trust; not a 5xx.
            return new Outcome(499, null, "(connection closed without a response)", false, true);
        }

        var headerEnd = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        var headers = headerEnd < 0 ? text : text[..headerEnd];
        var contentType = headers.Split("\r\n").FirstOrDefault(line => line.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?[13..].Trim();
        var body = headerEnd < 0 ? string.Empty : text[(headerEnd + 4)..];
        return new Outcome(
            status, contentType, Shorten(body), contentType?.StartsWith("application/problem+json", StringComparison.Ordinal) == true, contentType is null);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private static byte[] Multipart(string boundary) => Encoding.ASCII.GetBytes(
        $"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"sweep.md\"\r\nContent-Type: text/markdown\r\n\r\n" +
        "# Sweep\n\nA small file for the malformed-request sweep.\n" +
        $"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"tags\"\r\n\r\nsweep\r\n--{boundary}--\r\n");

    private static Probe MultipartBody(string method, string path, string part) =>
        Body(method, path, Encoding.ASCII.GetBytes($"--{Boundary}\r\n{part}--{Boundary}--\r\n"), $"multipart/form-data; boundary={Boundary}");

    private static Probe Body(string method, string path, byte[] content, string? contentType) =>
        new($"{method} {Shorten(path)} [{contentType}] {content.Length} bytes", method, path, content, contentType);

    private static Probe Json(string method, string path, string json, Action<HttpRequestMessage>? configure = null) =>
        new($"{method} {Shorten(path)} {Shorten(json)}", method, path, Encoding.UTF8.GetBytes(json), "application/json") { Configure = configure };

    /// <summary>Kestrel itself refuses a NUL in the decoded path with an empty 400, before any middleware runs.</summary>
    private static Probe NulInPath(string method, string path) => Json(method, path, "{}") with { KestrelMayAnswer = true };

    private static IEnumerable<Probe> Jsons(string method, string path, params string[] jsons) => jsons.Select(json => Json(method, path, json));

    private static Probe Raw(string method, string path, string headers, string body, bool closeAfterSending = false) =>
        new($"raw {method} {Shorten(path)} {headers.ReplaceLineEndings(" | ")}", method, path, null, null)
        {
            Raw = headers,
            RawBody = body,
            CloseAfterSending = closeAfterSending,
        };

    private sealed record Probe(string Label, string Method, string Path, byte[]? Content, string? ContentType)
    {
        public Action<HttpRequestMessage>? Configure { get; init; }

        /// <summary>Headers sent as they are over a socket (with <see cref="RawBody"/>), for what HttpClient refuses to send.</summary>
        public string? Raw { get; init; }

        public string? RawBody { get; init; }

        public bool CloseAfterSending { get; init; }

        /// <summary>A request over a Kestrel limit (request line, headers), which Kestrel answers without the app.</summary>
        public bool KestrelMayAnswer { get; init; }
    }

    private sealed record Outcome(int Status, string? ContentType, string Body, bool IsProblem, bool FromKestrel);
}
