using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using QwenRag.Core;
using QwenRag.Samples.Agent;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>
/// The sample agent end to end through SK's automatic function calling, over the fixture's real set: a scripted
/// model (no LLM runs here) that searches twice, once per part of the question, then answers from both results.
/// </summary>
[Collection(PluginCollection.Name)]
public sealed class ResearchAgentTests(PluginFixture fixture)
{
    [Fact]
    public async Task Agent_QuestionWithTwoParts_SearchesTwiceAndAnswersFromBothDocuments()
    {
        var model = new TwoSearchModel("how long may a maintainer be unreachable", "conference talk slides");
        var kernel = ResearchAgent.BuildKernel(model, new DataDirectory(fixture.DataDirectory), PluginFixture.Set);

        var answer = await ResearchAgent.AskAsync(kernel, "How long may an LPPL maintainer be unreachable, and what is the conference talk about?");

        Assert.Equal(3, model.Turns);
        Assert.Equal(2, model.Results.Count);
        Assert.Contains(PluginFixture.Licence + " p.", model.Results[0], StringComparison.Ordinal);
        Assert.Contains(PluginFixture.Talk + " p.", model.Results[1], StringComparison.Ordinal);
        Assert.StartsWith("From the tools:", answer, StringComparison.Ordinal);
        Assert.Contains(PluginFixture.Licence, answer, StringComparison.Ordinal);
        Assert.Contains(PluginFixture.Talk, answer, StringComparison.Ordinal);
        Assert.Contains(ResearchAgent.Instructions, model.SystemPrompt, StringComparison.Ordinal);
    }

    /// <summary>Calls the search tool it was offered once per query, then answers with what the tool returned.</summary>
    private sealed class TwoSearchModel(params string[] queries) : IChatClient
    {
        public int Turns { get; private set; }

        public List<string> Results { get; } = [];

        public string SystemPrompt { get; private set; } = string.Empty;

        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
        {
            Turns++;
            var history = messages.ToList();
            SystemPrompt = history.FirstOrDefault(m => m.Role == ChatRole.System)?.Text ?? string.Empty;
            Results.Clear();
            Results.AddRange(history.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Select(r => r.Result?.ToString() ?? string.Empty));
            var search = options?.Tools?.OfType<AIFunctionDeclaration>().Single(t => t.Name.EndsWith("search", StringComparison.Ordinal)).Name
                ?? throw new InvalidOperationException("No search tool was offered.");
            var reply = Results.Count < queries.Length
                ? new ChatMessage(ChatRole.Assistant, [new FunctionCallContent($"call-{Results.Count}", search, new Dictionary<string, object?> { ["query"] = queries[Results.Count] })])
                : new ChatMessage(ChatRole.Assistant, "From the tools: " + string.Join(" | ", Results.Select(r => r.Split('\n')[0])));
            return Task.FromResult(new ChatResponse(reply));
        }

        public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
            IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var update in (await GetResponseAsync(messages, options, cancellationToken)).ToChatResponseUpdates())
            {
                yield return update;
            }
        }

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
