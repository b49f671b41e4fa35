using System.Text;
using Microsoft.Extensions.AI;
using QwenRag.Generation.Chat;
using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Onnx;

namespace QwenRag.Generation.Tests;

/// <summary>A tiny random Qwen3 model with the full Qwen vocabulary and tokenizer, built once for the chat client tests.</summary>
public sealed class ChatModelFixture : IDisposable
{
    public ChatModelFixture()
    {
        Root = Path.Combine(Path.GetTempPath(), "qwenrag-chat-" + Guid.NewGuid().ToString("N"));
        var checkpoint = Path.Combine(Root, "hf");
        ModelDirectory = Path.Combine(Root, "onnx");
        TinyCheckpoint.Write(checkpoint, new TinyCheckpointOptions
        {
            Architecture = QwenArchitecture.Qwen3,
            Layers = 1,
            Hidden = 32,
            Heads = 2,
            KvHeads = 1,
            Intermediate = 64,
            Vocab = 151936,
            Tied = true,
            MaxPositions = 256,
            Seed = 5,
        });
        var tokenizer = new TokenizerFixture().Directory;
        foreach (var name in new[] { "tokenizer.json", "tokenizer_config.json" })
        {
            File.Copy(Path.Combine(tokenizer, name), Path.Combine(checkpoint, name));
        }

        QwenOnnxBuilder.Build(checkpoint, ModelDirectory);
        Client = QwenChatClient.Open(ModelDirectory);
    }

    public string Root { get; }

    public string ModelDirectory { get; }

    public QwenChatClient Client { get; }

    public void Dispose()
    {
        Client.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public sealed class QwenChatClientTests(ChatModelFixture fixture) : IClassFixture<ChatModelFixture>
{
    [Fact]
    public void RenderPrompt_ToolsAndInstructions_AsTheModelFoldersTemplateRendersThem()
    {
        var weather = AIFunctionFactory.Create((string city) => "sunny", "get_weather", "The weather in a city.");
        var options = new ChatOptions { Instructions = "Be brief.", Tools = [weather] };
        ChatMessage[] messages =
        [
            new(ChatRole.User, "Weather in Paris?"),
            new(ChatRole.Assistant, [new FunctionCallContent("c1", "get_weather", new Dictionary<string, object?> { ["city"] = "Paris" })]),
            new(ChatRole.Tool, [new FunctionResultContent("c1", "sunny")]),
        ];

        var prompt = fixture.Client.RenderPrompt(messages, options);

        Assert.Equal(QwenChatTemplate.ForModelDirectory(fixture.ModelDirectory).Family, fixture.Client.Template.Family);
        var expected = fixture.Client.Template.Render(
            [new ChatMessage(ChatRole.System, "Be brief."), .. messages], [weather], addGenerationPrompt: true, enableThinking: false);
        Assert.Equal(expected, prompt);
        Assert.StartsWith("<|im_start|>system\nBe brief.\n\n# Tools", prompt, StringComparison.Ordinal);
        Assert.Contains("<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call>", prompt, StringComparison.Ordinal);
        Assert.Contains("<tool_response>\nsunny\n</tool_response>", prompt, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>assistant\n" + QwenChatTemplate.EmptyThinking, prompt, StringComparison.Ordinal);
    }

    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Hello, who are you?")];

    private static async Task<(string Text, int Updates)> Stream(IChatClient client, ChatOptions options, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        var updates = 0;
        await foreach (var update in client.GetStreamingResponseAsync(Messages, options, cancellationToken))
        {
            Assert.Equal(ChatRole.Assistant, update.Role);
            text.Append(update.Text);
            updates++;
        }

        return (text.ToString(), updates);
    }

    [Fact]
    public async Task GetResponseAsync_Greedy_EqualsStreamingText()
    {
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 12 };
        var response = await fixture.Client.GetResponseAsync(Messages, options);
        var (streamed, _) = await Stream(fixture.Client, options);

        Assert.Equal(streamed, response.Text);
        Assert.NotEmpty(response.Text);
        Assert.Equal(ChatRole.Assistant, response.Messages.Single().Role);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_RespectsMaxOutputTokens()
    {
        var (_, updates) = await Stream(fixture.Client, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 });

        // At most one text update per token, plus the final update carrying the finish reason.
        Assert.InRange(updates, 1, 4);
        var response = await fixture.Client.GetResponseAsync(Messages, new ChatOptions { Temperature = 0, MaxOutputTokens = 3 });
        Assert.Equal(ChatFinishReason.Length, response.FinishReason);
    }

    [Fact]
    public async Task GetResponseAsync_SameSeed_Reproduces()
    {
        var options = new ChatOptions { Temperature = 1.5f, TopK = 0, TopP = 1, Seed = 42, MaxOutputTokens = 10 };
        var first = await fixture.Client.GetResponseAsync(Messages, options);
        var second = await fixture.Client.GetResponseAsync(Messages, options);

        Assert.Equal(first.Text, second.Text);
    }

    [Fact]
    public async Task GetStreamingResponseAsync_Cancelled_Stops()
    {
        using var cancellation = new CancellationTokenSource();
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 100 };
        var updates = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in fixture.Client.GetStreamingResponseAsync(Messages, options, cancellation.Token))
            {
                updates++;
                await cancellation.CancelAsync();
            }
        });
        Assert.Equal(1, updates);
    }

    [Fact]
    public async Task ConcurrentChats_DecodedTogether_EachAnswersAsAlone_OneBeyondTheQueueRefused()
    {
        using var model = new Runtime.QwenOnnxModel(fixture.ModelDirectory);
        using var client = new QwenChatClient(
            model, Tokenization.QwenTokenizer.Load(fixture.ModelDirectory), template: fixture.Client.Template,
            scheduling: new GenerationSchedulerOptions { MaxBatch = 2, MaxQueuedRequests = 0 });
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 16 };
        ChatMessage[][] questions = [Messages, [new(ChatRole.User, "Name three prime numbers, and say for each why it is prime.")]];
        var alone = new List<string>();
        foreach (var question in questions)
        {
            alone.Add((await fixture.Client.GetResponseAsync(question, options)).Text);
        }

        // Held before its next pass, the scheduler admits two requests at once (admission is on the caller's thread)
        // and has neither a slot nor a queue place for a third.
        var entered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.Scheduler.BeforeIteration = _ =>
        {
            entered.TrySetResult();
            release.Task.Wait();
        };
        client.Scheduler.Wake();
        await entered.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var answers = questions.Select(question => client.GetResponseAsync(question, options)).ToArray();
        Assert.Equal((2, 0), (client.Scheduler.Running, client.Scheduler.Waiting));
        await Assert.ThrowsAsync<Core.ModelBusyException>(() => client.GetResponseAsync(Messages, options));
        client.Scheduler.BeforeIteration = null;
        release.SetResult();

        var together = await Task.WhenAll(answers);

        Assert.Equal(alone, together.Select(answer => answer.Text));
        Assert.Equal(2, client.Scheduler.PeakBatch);
        Assert.Equal((0, 0L), (client.Scheduler.Running, client.Scheduler.KvBytesInUse));
    }

    [Fact]
    public void GetService_ReturnsMetadata()
    {
        var metadata = fixture.Client.GetService<ChatClientMetadata>();

        Assert.NotNull(metadata);
        Assert.Equal(QwenChatClient.ProviderName, metadata.ProviderName);
        Assert.Equal("onnx", metadata.DefaultModelId);
        Assert.Same(fixture.Client.Scheduler, fixture.Client.GetService<GenerationScheduler>());
    }

    [Fact]
    public async Task GetStreamingResponseAsync_WithTools_StillStreams()
    {
        var tool = AIFunctionFactory.Create((string query) => query, "search", "Searches.");
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 12, Tools = [tool] };
        var (text, updates) = await Stream(fixture.Client, options);

        // Random weights write no tool call: streamed and whole responses carry the same text, and no call.
        Assert.True(updates >= 2, $"{updates} updates");
        var response = await fixture.Client.GetResponseAsync(Messages, options);
        Assert.Equal(response.Text, text);
        Assert.Empty(response.Messages.SelectMany(m => m.Contents).OfType<FunctionCallContent>());
        Assert.NotEqual(ChatFinishReason.ToolCalls, response.FinishReason);
    }

    [Fact]
    public void ToolCallTags_SurviveTheDecoderThatSkipsSpecialTokens()
    {
        // The chat client decodes with special tokens skipped; <tool_call> is an added token but not a special one.
        var tokenizer = Tokenization.QwenTokenizer.Load(fixture.ModelDirectory);
        var ids = tokenizer.Encode("<tool_call>\n{\"name\": \"search\", \"arguments\": {\"query\": \"rag\"}}\n</tool_call><|im_end|>");
        Assert.Contains(tokenizer.TokenId("<tool_call>")!.Value, ids);
        var decoder = tokenizer.CreateStreamingDecoder(skipSpecialTokens: true);

        var text = string.Concat(ids.Select(decoder.Push)) + decoder.Flush();

        Assert.Equal("search", Assert.IsType<FunctionCallContent>(Assert.Single(QwenToolCallParser.Parse(text))).Name);
    }

    [Fact]
    public async Task GenerateTokensAsync_SameTokensAsChat()
    {
        var tokenizer = Tokenization.QwenTokenizer.Load(fixture.ModelDirectory);
        var prompt = tokenizer.Encode(fixture.Client.RenderPrompt(Messages));
        var options = new ChatOptions { Temperature = 0, MaxOutputTokens = 8 };

        var tokens = new List<int>();
        await foreach (var token in fixture.Client.GenerateTokensAsync(prompt, options))
        {
            tokens.Add(token);
        }

        Assert.InRange(tokens.Count, 1, 8);
        var chat = await fixture.Client.GetResponseAsync(Messages, options);
        Assert.Equal(chat.Text, tokenizer.Decode(tokens.Where(t => t < tokenizer.Count), skipSpecialTokens: true));
        Assert.Throws<ArgumentException>(() => fixture.Client.GenerateTokensAsync(prompt, new ChatOptions { MaxOutputTokens = 100_000 }));
    }

    [Fact]
    public void TokenBudget_CountsWithTheTokenizerAndTemplate()
    {
        var tokenizer = Tokenization.QwenTokenizer.Load(fixture.ModelDirectory);
        IChatTokenBudget budget = Assert.IsAssignableFrom<IChatTokenBudget>(fixture.Client.GetService(typeof(IChatTokenBudget)));

        Assert.Equal(256, budget.ContextTokens);
        Assert.Equal(tokenizer.Encode("Pin the CPU frequency.").Count, budget.CountTokens("Pin the CPU frequency."));
        Assert.Equal(tokenizer.Encode(fixture.Client.RenderPrompt(Messages)).Count, budget.CountPromptTokens(Messages));
        Assert.Contains("<|im_end|>", budget.ControlMarkers);
        Assert.Contains("<tool_call>", budget.ControlMarkers);
    }

    [Fact]
    public async Task NoTokenizer_TokenIdsOnly()
    {
        using var model = new Runtime.QwenOnnxModel(fixture.ModelDirectory);
        using var client = new QwenChatClient(model, tokenizer: null);

        var tokens = new List<int>();
        await foreach (var token in client.GenerateTokensAsync([1, 2, 3], new ChatOptions { Temperature = 0, MaxOutputTokens = 3 }))
        {
            tokens.Add(token);
        }

        Assert.InRange(tokens.Count, 1, 3);
        Assert.Throws<InvalidOperationException>(() => client.GetStreamingResponseAsync(Messages));
        Assert.Throws<InvalidOperationException>(() => client.CountTokens("x"));
    }

    [Theory]
    [InlineData("abcSTOPdef", "abc", true, "")]
    [InlineData("abcST", "abc", false, "ST")]
    [InlineData("abcxyz", "abcxyz", false, "")]
    public void Release_HoldsBackStopPrefixes(string pending, string text, bool hit, string left)
    {
        var rest = pending;
        var result = QwenChatClient.Release(ref rest, ["STOP"], final: false);

        Assert.Equal((text, hit), result);
        Assert.Equal(left, rest);
    }
}
