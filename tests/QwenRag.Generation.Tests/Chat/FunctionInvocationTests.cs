using System.ComponentModel;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.ChatCompletion;
using FunctionCallContent = Microsoft.Extensions.AI.FunctionCallContent;
using FunctionResultContent = Microsoft.Extensions.AI.FunctionResultContent;

namespace QwenRag.Generation.Tests.Chat;

/// <summary>
/// Function calling driven end to end over a model whose output is fixed text: the first turn calls a tool the way
/// Qwen writes it, the second answers from the tool's result.
/// </summary>
public sealed class FunctionInvocationTests
{
    private const string Question = "How can the variance of benchmark runs be reduced?";

    private const string CallTurn =
        "I will search the documents.\n<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"reduce variance\", \"top\": 2}}\n</tool_call>";

    private const string AnswerTurn = "Pin the CPU frequency and repeat the runs [1].";

    private const string SearchResult = "[1] (reducing_variance.md, p. 1) Pin the CPU frequency; repeat runs.";

    [Fact]
    public async Task UseFunctionInvocation_ParsedCallInvokesTheFunction_FinalAnswerReturned()
    {
        var invoked = new List<(string Query, int Top)>();
        var search = AIFunctionFactory.Create(
            (string query, int top) =>
            {
                invoked.Add((query, top));
                return SearchResult;
            },
            "search",
            "Searches the documents.");
        var model = new ScriptedQwenChatClient(CallTurn, AnswerTurn);
        using var client = new ChatClientBuilder(model).UseFunctionInvocation().Build();

        var response = await client.GetResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { Tools = [search] });

        Assert.Equal([("reduce variance", 2)], invoked);
        Assert.Equal(AnswerTurn, response.Messages[^1].Text);
        Assert.Equal(2, model.Requests.Count);
        var second = model.Requests[1].Messages;
        var call = Assert.Single(second.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        var result = Assert.Single(second.SelectMany(m => m.Contents).OfType<FunctionResultContent>());
        Assert.Equal(call.CallId, result.CallId);
        Assert.Contains(SearchResult, result.Result?.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UseFunctionInvocation_Streaming_SameRoundTrip()
    {
        var invoked = 0;
        var search = AIFunctionFactory.Create((string query, int top) => { invoked++; return SearchResult; }, "search", "Searches the documents.");
        var model = new ScriptedQwenChatClient(CallTurn, AnswerTurn) { PieceLength = 1 };
        using var client = new ChatClientBuilder(model).UseFunctionInvocation().Build();

        var updates = new List<ChatResponseUpdate>();
        await foreach (var update in client.GetStreamingResponseAsync([new ChatMessage(ChatRole.User, Question)], new ChatOptions { Tools = [search] }))
        {
            updates.Add(update);
        }

        Assert.Equal(1, invoked);
        Assert.EndsWith(AnswerTurn, string.Concat(updates.Select(u => u.Text)), StringComparison.Ordinal);
        Assert.DoesNotContain("<tool_call>", string.Concat(updates.Select(u => u.Text)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SemanticKernel_FunctionChoiceAuto_InvokesTheKernelFunction()
    {
        var plugin = new SearchPlugin();
        var kernel = new Kernel();
        kernel.Plugins.AddFromObject(plugin, "docs");
        var model = new ScriptedQwenChatClient(CallTurn.Replace("\"search\"", "\"docs_search\"", StringComparison.Ordinal), AnswerTurn);
        // SK invokes kernel functions through its own invoking client in the chat client's pipeline.
        using var client = new ChatClientBuilder(model).UseKernelFunctionInvocation().Build();
        var chat = client.AsChatCompletionService();
        var history = new ChatHistory();
        history.AddUserMessage(Question);

        var answer = await chat.GetChatMessageContentAsync(
            history, new PromptExecutionSettings { FunctionChoiceBehavior = FunctionChoiceBehavior.Auto() }, kernel);

        Assert.Equal([("reduce variance", 2)], plugin.Calls);
        Assert.Equal(AnswerTurn, answer.Content);
        Assert.Equal(2, model.Requests.Count);
        // SK names a plugin's function "plugin_function" for the model.
        Assert.Equal("docs_search", model.Requests[0].Options?.Tools?.Single().Name);
    }

    private sealed class SearchPlugin
    {
        public List<(string Query, int Top)> Calls { get; } = [];

        [KernelFunction("search")]
        [Description("Searches the documents.")]
        public string Search(string query, int top)
        {
            Calls.Add((query, top));
            return SearchResult;
        }
    }
}
