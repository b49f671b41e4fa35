using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace QwenRag.Api.Tests;

/// <summary>
/// An OpenAI-compatible chat server on 127.0.0.1 (<c>POST /v1/chat/completions</c>, streaming and not) whose model
/// always answers <see cref="Answer"/>, in a few chunks; records each request's body and Authorization header. It
/// stands in for a real model server (vLLM, llama.cpp), which cannot run here.
/// </summary>
public sealed class ScriptedChatServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private ScriptedChatServer(WebApplication app, string answer)
    {
        _app = app;
        Answer = answer;
    }

    public string Answer { get; }

    public Uri Endpoint => new(_app.Urls.First() + "/v1");

    public ConcurrentQueue<(JsonNode Body, string? Authorization)> Requests { get; } = new();

    public static async Task<ScriptedChatServer> StartAsync(string answer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new ScriptedChatServer(app, answer);
        app.MapPost("/v1/chat/completions", server.CompleteAsync);
        await app.StartAsync();
        return server;
    }

    private async Task CompleteAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body) ?? new JsonObject();
        Requests.Enqueue((body, context.Request.Headers.Authorization.ToString()));
        var model = body["model"]?.GetValue<string>() ?? "unknown";
        if (body["stream"]?.GetValue<bool>() != true)
        {
            await context.Response.WriteAsJsonAsync(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion",
                created = 1,
                model,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = Answer }, finish_reason = "stop" } },
                usage = new { prompt_tokens = 1, completion_tokens = 1, total_tokens = 2 },
            });
            return;
        }

        context.Response.ContentType = "text/event-stream";
        var pieces = Answer.Chunk(5).Select(chars => new string(chars)).ToList();
        foreach (var piece in pieces)
        {
            await Event(new { role = "assistant", content = piece }, null);
        }

        await Event(new { }, "stop");
        if (body["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            // As OpenAI-compatible servers do when asked: a last chunk with no choices and the usage.
            var usage = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion.chunk",
                created = 1,
                model,
                choices = Array.Empty<object>(),
                usage = new { prompt_tokens = 40, completion_tokens = pieces.Count, total_tokens = 40 + pieces.Count },
            });
            await context.Response.WriteAsync($"data: {usage}\n\n");
        }

        await context.Response.WriteAsync("data: [DONE]\n\n");

        async Task Event(object delta, string? finish)
        {
            var chunk = JsonSerializer.Serialize(new
            {
                id = "chatcmpl-1",
                @object = "chat.completion.chunk",
                created = 1,
                model,
                choices = new[] { new { index = 0, delta, finish_reason = finish } },
            });
            await context.Response.WriteAsync($"data: {chunk}\n\n");
            await context.Response.Body.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
