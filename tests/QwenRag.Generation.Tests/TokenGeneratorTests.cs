using QwenRag.Generation.Checkpoints;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

/// <summary><see cref="TokenGenerator"/> on a tiny random model against full forward passes.</summary>
public sealed class TokenGeneratorTests : IDisposable
{
    // EOS 159 stops generation like any stop id; the full-pass reference applies the same rule.
    private static readonly TinyCheckpointOptions Options = ModelFixture.Small with
    {
        Architecture = QwenArchitecture.Qwen3,
        Seed = 21,
        EosTokenId = 159,
        MaxPositions = 64,
    };

    private readonly ModelFixture _fixture = ModelFixture.Create(Options);

    private readonly int[] _prompt = ModelFixture.Tokens(11, Options.Vocab, 3);

    public void Dispose() => _fixture.Dispose();

    private static async Task<List<int>> Collect(IAsyncEnumerable<int> tokens)
    {
        var list = new List<int>();
        await foreach (var token in tokens)
        {
            list.Add(token);
        }

        return list;
    }

    /// <summary>Argmax of a full pass over the growing sequence, stopping at a stop id or the limit.</summary>
    private List<int> FullPassGreedy(int maxNewTokens, params int[] stopIds)
    {
        var sequence = _prompt.ToList();
        var generated = new List<int>();
        while (generated.Count < maxNewTokens)
        {
            var next = QwenOnnxModel.ArgMax(_fixture.Model.Logits(sequence)[^1]);
            if (next == Options.EosTokenId || stopIds.Contains(next))
            {
                break;
            }

            generated.Add(next);
            sequence.Add(next);
        }

        return generated;
    }

    [Fact]
    public async Task GenerateAsync_Greedy_EqualsArgMaxOfFullPasses()
    {
        var generator = new TokenGenerator(_fixture.Model);
        var tokens = await Collect(generator.GenerateAsync(_prompt, SamplingOptions.GreedyDecoding with { MaxNewTokens = 8 }));

        Assert.Equal(FullPassGreedy(8), tokens);
        Assert.Equal(8, tokens.Count);
    }

    [Fact]
    public async Task GenerateAsync_ChunkedPrefill_EqualsOnePass()
    {
        var options = SamplingOptions.GreedyDecoding with { MaxNewTokens = 6 };
        var whole = await Collect(new TokenGenerator(_fixture.Model).GenerateAsync(_prompt, options));
        var chunked = await Collect(new TokenGenerator(_fixture.Model, prefillChunk: 3).GenerateAsync(_prompt, options));
        Assert.Equal(whole, chunked);
    }

    [Fact]
    public void Append_Chunks_GiveTheSameNextTokenLogits()
    {
        using var one = _fixture.Model.CreateCache();
        var expected = _fixture.Model.Append(one, _prompt);
        using var chunks = _fixture.Model.CreateCache();
        float[] actual = [];
        foreach (var chunk in _prompt.Chunk(4))
        {
            actual = _fixture.Model.Append(chunks, chunk);
        }

        Assert.Equal(_prompt.Length, chunks.Length);
        LogitAssert.Close([expected], [actual], 1e-4, "chunked prefill");
        LogitAssert.Close([_fixture.Model.Logits(_prompt)[^1]], [actual], 1e-4, "chunked prefill against full pass");
    }

    [Fact]
    public async Task GenerateAsync_MaxNewTokens_IsRespected()
    {
        var tokens = await Collect(new TokenGenerator(_fixture.Model).GenerateAsync(_prompt, SamplingOptions.GreedyDecoding with { MaxNewTokens = 3 }));
        Assert.Equal(FullPassGreedy(8).Take(3), tokens);
    }

    [Fact]
    public async Task GenerateAsync_StopId_EndsWithoutYieldingIt()
    {
        var free = FullPassGreedy(8);
        var stop = free[3];
        var options = SamplingOptions.GreedyDecoding with { MaxNewTokens = 8, StopTokenIds = [stop] };

        var tokens = await Collect(new TokenGenerator(_fixture.Model).GenerateAsync(_prompt, options));

        Assert.Equal(free.TakeWhile(token => token != stop), tokens);
        Assert.DoesNotContain(stop, tokens);
    }

    [Fact]
    public async Task GenerateAsync_StopString_EndsGeneration()
    {
        var free = FullPassGreedy(8);
        var generator = new TokenGenerator(_fixture.Model, decode: tokens => string.Concat(tokens.Select(token => $"<{token}>")));
        var options = SamplingOptions.GreedyDecoding with { MaxNewTokens = 8, StopStrings = [$"<{free[2]}>"] };

        var tokens = await Collect(generator.GenerateAsync(_prompt, options));

        Assert.Equal(free.TakeWhile(token => token != free[2]), tokens);
    }

    [Fact]
    public async Task GenerateAsync_Cancelled_StopsAtTheNextToken()
    {
        using var cancellation = new CancellationTokenSource();
        var tokens = new List<int>();
        var generator = new TokenGenerator(_fixture.Model);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var token in generator.GenerateAsync(_prompt, SamplingOptions.GreedyDecoding with { MaxNewTokens = 20 }, cancellation.Token))
            {
                tokens.Add(token);
                await cancellation.CancelAsync();
            }
        });

        Assert.Single(tokens);
    }

    [Fact]
    public async Task GenerateAsync_SameSeed_IsReproducible()
    {
        var options = new SamplingOptions { Temperature = 1.2f, TopK = 0, TopP = 1, Seed = 5, MaxNewTokens = 10 };
        var generator = new TokenGenerator(_fixture.Model);
        Assert.Equal(await Collect(generator.GenerateAsync(_prompt, options)), await Collect(generator.GenerateAsync(_prompt, options)));
    }

    [Fact]
    public void GenerateAsync_PastTheContextLength_NamesBothNumbers()
    {
        var generator = new TokenGenerator(_fixture.Model);
        var exception = Assert.Throws<ArgumentException>(
            () => generator.GenerateAsync(_prompt, SamplingOptions.GreedyDecoding with { MaxNewTokens = 60 }));

        Assert.Contains($"{_prompt.Length} tokens", exception.Message, StringComparison.Ordinal);
        Assert.Contains("60 new tokens", exception.Message, StringComparison.Ordinal);
        Assert.Contains($"{_fixture.Model.ContextLength}", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GenerateAsync_StopStringsWithoutDecoder_AreRejected()
        => Assert.Throws<ArgumentException>(
            () => new TokenGenerator(_fixture.Model).GenerateAsync(_prompt, new SamplingOptions { StopStrings = ["\n\n"] }));
}
