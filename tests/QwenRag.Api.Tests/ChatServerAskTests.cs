using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using QwenRag.Generation.Answering;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary><c>QwenRag:Chat</c>: an OpenAI-compatible server answers instead of the local model.</summary>
public sealed class ChatServerAskTests
{
    private const string Set = "variance";
    private const string Question = "How can the variance of benchmark measurements be reduced?";
    private const string Answer = "Repeat the measurements and pin the CPU frequency [1].";

    [Fact]
    public async Task Ask_WithAChatServer_ItAnswersFromTheNumberedSourcesAndCitationsMapToHits()
    {
        using var directory = new TemporaryDirectory();
        await using var server = await ScriptedChatServer.StartAsync(Answer);
        await using var host = await ApiHost.StartAsync(
            Path.Combine(directory.Path, "data"),
            "--QwenRag:Chat:Endpoint", server.Endpoint.ToString(),
            "--QwenRag:Chat:Model", "served-model",
            "--QwenRag:Chat:ApiKey", "secret-key",
            "--QwenRag:Chat:ContextTokens", "4096");
        using var client = host.CreateClient();
        var job = Assert.Single(await client.UploadAcceptedAsync(Set, [UploadFile.FromPath(TestCorpus.MixedFile("reducing_variance.md"))]));
        await client.WaitForSuccessAsync(job.String("id"));

        using var response = await client.AskAsync(Set, new { question = Question, maxTokens = 64 });
        var answer = await response.ReadJsonAsync(HttpStatusCode.OK);
        using var stream = await client.AskStreamingAsync(Set, new { question = Question, maxTokens = 64 });
        var events = await ServerSentEventReader.ReadAllAsync(await stream.Content.ReadAsStreamAsync());
        using var ready = await client.GetAsync("/health/ready");

        Assert.Equal(ChatAnswerGenerator.ServerName, answer.String("generator"));
        Assert.Equal(Answer, answer.String("answer"));
        var hits = await client.SearchResultsAsync(Set, new { query = Question, top = 8 });
        var citation = Assert.Single(answer.GetProperty("citations").EnumerateArray());
        Assert.Contains(hits, hit => hit.String("chunkId") == citation.String("chunkId") && hit.GetProperty("page").GetInt32() == citation.GetProperty("page").GetInt32());
        Assert.Equal(Answer, string.Concat(events.Where(e => e.Event == "delta").Select(e => e.Json().String("text"))));
        Assert.Contains("answers: chat (served-model)", (await ready.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("checks").GetProperty("ready").GetString(), StringComparison.Ordinal);

        Assert.True(server.Requests.TryPeek(out var request));
        Assert.Equal("Bearer secret-key", request.Authorization);
        Assert.Equal("served-model", request.Body["model"]?.GetValue<string>());
        var messages = request.Body["messages"]!.AsArray();
        Assert.Equal(["system", "user"], messages.Select(m => m!["role"]!.GetValue<string>()));
        Assert.Equal(ChatAnswerGenerator.SystemPrompt, messages[0]!["content"]!.ToString());
        var user = messages[1]!["content"]!.ToString();
        Assert.Contains("[1] (reducing_variance.md, p. 1)", user, StringComparison.Ordinal);
        Assert.EndsWith("Question: " + Question, user, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1/v1", "m", "4096", "QwenRag:Chat:Endpoint must be an absolute http or https address (was 'ftp://127.0.0.1/v1')")]
    [InlineData("not a url", "m", "4096", "QwenRag:Chat:Endpoint must be an absolute http or https address")]
    [InlineData("http://127.0.0.1:9/v1", "", "4096", "QwenRag:Chat:Model must name the server's model")]
    [InlineData("http://127.0.0.1:9/v1", "m", "0", "QwenRag:Chat:ContextTokens must be 1 or more (was 0)")]
    public async Task InvalidChatSetting_StartupFailsNamingIt(string endpoint, string model, string context, string message)
    {
        using var directory = new TemporaryDirectory();
        WebApplication? app = null;
        var error = await Record.ExceptionAsync(() =>
        {
            app = QwenRagApi.Build(
            [
                "--urls", "http://127.0.0.1:0", "--QwenRag:DataDirectory", directory.Path, "--Logging:LogLevel:Default", "None",
                "--QwenRag:Chat:Endpoint", endpoint, "--QwenRag:Chat:Model", model, "--QwenRag:Chat:ContextTokens", context,
            ]);
            return Task.CompletedTask;
        });
        if (app is not null)
        {
            await app.DisposeAsync();
        }

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(message, invalid.Message, StringComparison.Ordinal);
    }
}
