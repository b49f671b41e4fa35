using System.Net;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>A 429 from a busy model reaches the model as a message with the server's retry time.</summary>
[Collection(BusyServerCollection.Name)]
public sealed class BusyServerTests(BusyServerFixture fixture)
{
    [Fact]
    public async Task Ask_WhileTheModelAnswersAnother_TooManyRequestsWithRetryAfter()
    {
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var holder = new HttpClient(handler) { BaseAddress = fixture.Server.Address };

        QwenRagException error;
        using (await fixture.HoldTheModelAsync(holder))
        {
            error = await Assert.ThrowsAsync<QwenRagException>(() =>
                fixture.Kernel.InvokeAsync("qwenrag", "ask", new() { ["question"] = "What is a benchmark?" }));
        }

        Assert.Equal(HttpStatusCode.TooManyRequests, error.Status);
        Assert.Equal(TimeSpan.FromSeconds(2), error.RetryAfter);
        Assert.StartsWith("QwenRag is busy (429 Too Many Requests): The model is busy: 1 generation is running", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Retry after 2 seconds.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Search_WhileTheModelAnswers_StillServed()
    {
        using var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        using var holder = new HttpClient(handler) { BaseAddress = fixture.Server.Address };

        using (await fixture.HoldTheModelAsync(holder))
        {
            var passages = Citations.Passages((await fixture.Kernel.InvokeAsync<string>(
                "qwenrag", "search", new() { ["query"] = BusyServerFixture.Question, ["top"] = 2 }))!);

            Assert.Equal(2, passages.Count);
            Assert.All(passages, passage => Assert.Equal(BusyServerFixture.Document, passage.Document));
        }
    }
}
