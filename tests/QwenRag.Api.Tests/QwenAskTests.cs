using System.Net;
using QwenRag.Api.Problems;

namespace QwenRag.Api.Tests;

/// <summary>Asking over HTTP with a Qwen model configured (a tiny random one: the text is noise, the plumbing is real).</summary>
[Collection(QwenApiCollection.Name)]
public sealed class QwenAskTests(QwenApiFixture fixture)
{
    private const string NoSourcesText = "No passages in this set answer the question.";

    private HttpClient Client => fixture.Client;

    [Fact]
    public async Task Ready_WithModel_SaysWhereQwenRunsAndWhatItHolds()
    {
        using var response = await Client.GetAsync("/health/ready");

        var body = await response.ReadJsonAsync(HttpStatusCode.OK);
        var ready = body.GetProperty("checks").GetProperty("ready").GetString();
        Assert.Contains("answers: qwen on Cpu, ", ready, StringComparison.Ordinal);
        Assert.Contains(" waiting", ready, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskJson_WithModel_QwenAnswersCitingChunksOfTheSet()
    {
        using var response = await Client.AskAsync(QwenApiFixture.Set, new { question = QwenApiFixture.Question, maxTokens = 24 });
        var answer = await response.ReadJsonAsync(HttpStatusCode.OK);

        Assert.Equal("qwen", answer.String("generator"));
        Assert.False(string.IsNullOrEmpty(answer.String("answer")));
        Assert.NotEqual(NoSourcesText, answer.String("answer"));
        var hits = await Client.SearchResultsAsync(QwenApiFixture.Set, new { query = QwenApiFixture.Question, top = 8 });
        Assert.NotEmpty(hits);
        Assert.All(hits, hit => Assert.Equal(fixture.DocumentId, hit.String("documentId")));
        Assert.All(answer.GetProperty("citations").EnumerateArray(), citation => Assert.Contains(hits, hit =>
            hit.String("chunkId") == citation.String("chunkId")
            && hit.String("document") == citation.String("document")
            && hit.GetProperty("page").GetInt32() == citation.GetProperty("page").GetInt32()));
    }

    [Fact]
    public async Task AskStream_WithModel_DeltasThenCitationsThenDone_SameAnswerAsJson()
    {
        var body = new { question = QwenApiFixture.Question, top = 4, maxTokens = 32 };
        using var json = await Client.AskAsync(QwenApiFixture.Set, body);
        var expected = await json.ReadJsonAsync(HttpStatusCode.OK);

        using var response = await Client.AskStreamingAsync(QwenApiFixture.Set, body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = await ServerSentEventReader.ReadAllAsync(await response.Content.ReadAsStreamAsync());
        var deltas = events.TakeWhile(e => e.Event == "delta").ToArray();
        Assert.NotEmpty(deltas);
        Assert.Equal(["citations", "done"], events.Skip(deltas.Length).Select(e => e.Event));
        Assert.Equal("qwen", events[^1].Json().String("generator"));
        Assert.Equal(expected.String("answer"), string.Concat(deltas.Select(d => d.Json().String("text"))));
        Assert.Equal(AskTests.Citations(expected), AskTests.Citations(events[^2].Json()));
    }

    [Fact]
    public async Task Ask_MaxTokens_BoundsTheAnswer()
    {
        var question = new { question = QwenApiFixture.Question, top = 2, maxTokens = 3 };
        using var stream = await Client.AskStreamingAsync(QwenApiFixture.Set, question);
        var events = await ServerSentEventReader.ReadAllAsync(await stream.Content.ReadAsStreamAsync());
        using var shortJson = await Client.AskAsync(QwenApiFixture.Set, question);
        using var longJson = await Client.AskAsync(QwenApiFixture.Set, question with { maxTokens = 40 });
        var shortAnswer = (await shortJson.ReadJsonAsync(HttpStatusCode.OK)).String("answer");
        var longAnswer = (await longJson.ReadJsonAsync(HttpStatusCode.OK)).String("answer");

        // Every delta carries the text of at least one new token.
        Assert.InRange(events.Count(e => e.Event == "delta"), 1, 3);
        // Greedy decoding over the same prompt: the 3-token answer is the start of the 40-token one.
        Assert.StartsWith(shortAnswer, longAnswer, StringComparison.Ordinal);
        Assert.True(shortAnswer.Length < longAnswer.Length, $"3 tokens gave '{shortAnswer}', 40 gave '{longAnswer}'");
    }

    [Fact]
    public async Task Ask_UnknownSet_WithModel_NotFoundProblem()
    {
        using var json = await Client.AskAsync("no-such-set", new { question = QwenApiFixture.Question });
        using var stream = await Client.AskStreamingAsync("no-such-set", new { question = QwenApiFixture.Question });

        await ProblemAssert.IsProblemAsync(json, HttpStatusCode.NotFound, requireDetail: true);
        await ProblemAssert.IsProblemAsync(stream, HttpStatusCode.NotFound, requireDetail: true);
    }

    [Fact]
    public async Task Ask_WhileTheModelAnswersAnother_TooManyRequestsThenServedAgain()
    {
        // A long answer, streamed: once its first delta is here the model is generating it, and with the scheduler
        // paused it holds the only slot while the questions below arrive. Its own connection, closed (not drained) if
        // the test fails early, so the server stops that answer.
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var firstClient = new HttpClient(handler) { BaseAddress = fixture.Host.Address };
        using var first = await firstClient.AskStreamingAsync(QwenApiFixture.Set, new { question = QwenApiFixture.Question, top = 2, maxTokens = 600 });
        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        await using var firstEvents = ServerSentEventReader.ReadAsync(await first.Content.ReadAsStreamAsync()).GetAsyncEnumerator();
        Assert.True(await firstEvents.MoveNextAsync());
        Assert.Equal("delta", firstEvents.Current.Event);

        using (await SchedulerPause.StartAsync(fixture.Host.Services))
        {
            using var json = await Client.AskAsync(QwenApiFixture.Set, new { question = "What is a benchmark?", maxTokens = 4 });
            using var stream = await Client.AskStreamingAsync(QwenApiFixture.Set, new { question = "What is a benchmark?", maxTokens = 4 });

            foreach (var busy in new[] { json, stream })
            {
                var problem = await ProblemAssert.IsProblemAsync(busy, HttpStatusCode.TooManyRequests, requireDetail: true);
                Assert.Equal("Model busy", problem.String("title"));
                Assert.Contains("1 generation is running and 0 requests are waiting", problem.String("detail"), StringComparison.Ordinal);
                Assert.Equal(TimeSpan.FromSeconds(ProblemExceptionHandler.ModelBusyRetryAfterSeconds), busy.Headers.RetryAfter?.Delta);
            }

            using var ready = await Client.GetAsync("/health/ready");
            var generation = (await ready.ReadJsonAsync(HttpStatusCode.OK)).GetProperty("generation");
            Assert.Equal(1, generation.GetProperty("running").GetInt32());
            Assert.Equal(0, generation.GetProperty("waiting").GetInt32());
            Assert.InRange(generation.GetProperty("kvBytesInUse").GetInt64(), 1, generation.GetProperty("kvBytesBudget").GetInt64());
        }

        var rest = new List<ServerSentEvent>();
        while (await firstEvents.MoveNextAsync())
        {
            rest.Add(firstEvents.Current);
        }

        // The model is given back before the citations are sent, so the next question finds it free.
        Assert.Equal(["citations", "done"], rest.SkipWhile(e => e.Event == "delta").Select(e => e.Event));
        Assert.True(rest.Count(e => e.Event == "delta") >= 100, $"the first answer stopped early ({rest.Count} more events)");
        using var again = await Client.AskAsync(QwenApiFixture.Set, new { question = "What is a benchmark?", maxTokens = 4 });
        Assert.Equal("qwen", (await again.ReadJsonAsync(HttpStatusCode.OK)).String("generator"));
    }

    [Fact]
    public async Task OpenApi_Ask_DeclaresTooManyRequests()
    {
        using var response = await Client.GetAsync("/openapi/v1.json");
        var document = await response.ReadJsonAsync(HttpStatusCode.OK);

        var responses = document.GetProperty("paths").GetProperty("/v1/sets/{set}/ask").GetProperty("post").GetProperty("responses");
        Assert.True(responses.TryGetProperty("429", out _), $"no 429 in {responses}");
    }
}
