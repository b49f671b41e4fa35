using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;
using Microsoft.SemanticKernel;

namespace QwenRag.SemanticKernel.Tests;

/// <summary>The functions as tools of a Microsoft Agent Framework agent, as the plugin's README shows them.</summary>
[Collection(PluginCollection.Name)]
public sealed class AgentFrameworkTests(PluginFixture fixture)
{
    [Fact]
    public async Task Agent_PluginFunctionsAsTools_AskRunsAndItsCitationsReachTheModel()
    {
        var kernel = fixture.InProcess;
        var question = CorpusQuestion.Get("q31");
        var tools = kernel.Plugins["qwenrag"].AsAIFunctions(kernel).Cast<AITool>().ToList();
        var ask = Assert.Single(tools, tool => tool.Name.EndsWith("ask", StringComparison.Ordinal));
        using var chatClient = new ScriptedChatClient(ask.Name, new Dictionary<string, object?> { ["question"] = question.Question });

        // The README's snippet.
        AIAgent agent = chatClient.AsAIAgent(
            instructions: "Answer from the user's documents with qwenrag's tools and cite document and page.",
            tools: tools);
        var response = await agent.RunAsync(question.Question);

        Assert.Equal(["qwenrag_ask", "qwenrag_search", "qwenrag_list_sets", "qwenrag_list_documents"], tools.Select(tool => tool.Name));
        Assert.All(chatClient.Requests, options => Assert.Equal(4, options?.Tools?.Count));
        Assert.Equal(
            $"The tool said: {await InProcessTests.AskAsync(kernel, question.Question)}",
            response.Text);
        Assert.Contains($"{question.Document} p.{question.Page}", response.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agent_DetailedErrors_TheModelReadsWhyTheToolFailed()
    {
        var kernel = fixture.InProcess;
        var tools = kernel.Plugins["qwenrag"].AsAIFunctions(kernel).Cast<AITool>().ToList();
        using var model = new ScriptedChatClient("qwenrag_ask", new Dictionary<string, object?> { ["question"] = "What?", ["set"] = "no-such-set" });

        // The README's pipeline: function invocation with detailed errors, handed to the agent as it is.
        using var chatClient = model.AsBuilder().UseFunctionInvocation(configure: invoker => invoker.IncludeDetailedErrors = true).Build();
        var agent = chatClient.AsAIAgent(new ChatClientAgentOptions
        {
            ChatOptions = new ChatOptions { Instructions = "Answer from the user's documents.", Tools = tools },
            UseProvidedChatClientAsIs = true,
        });
        var response = await agent.RunAsync("What?");

        Assert.Contains("Set 'no-such-set' does not exist (it has no documents). Call list_sets", response.Text, StringComparison.Ordinal);
    }
}
