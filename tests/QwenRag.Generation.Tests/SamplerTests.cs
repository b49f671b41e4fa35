using QwenRag.Generation.Generation;

namespace QwenRag.Generation.Tests;

public sealed class SamplerTests
{
    private static readonly float[] Logits = [0.5f, 2.0f, -1.0f, 1.5f, 0.0f, 1.0f];

    private static float[] RandomLogits(int vocab, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, vocab).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
    }

    private static List<int> Draws(SamplingOptions options, float[] logits, int count)
    {
        var sampler = new Sampler(options);
        return Enumerable.Range(0, count).Select(_ => sampler.Next(logits, [])).ToList();
    }

    [Fact]
    public void Next_Greedy_IsArgMax()
    {
        Assert.Equal(1, new Sampler(SamplingOptions.GreedyDecoding).Next(Logits, []));
        Assert.Equal(1, new Sampler(new SamplingOptions { Temperature = 0 }).Next(Logits, []));
    }

    [Fact]
    public void Next_TopKOne_IsGreedy()
    {
        var logits = RandomLogits(1000, 3);
        var draws = Draws(new SamplingOptions { Temperature = 1.5f, TopK = 1, TopP = 1, Seed = 1 }, logits, 200);
        Assert.All(draws, token => Assert.Equal(Runtime.QwenOnnxModel.ArgMax(logits), token));
    }

    [Fact]
    public void Next_TinyTopP_IsGreedy()
    {
        var logits = RandomLogits(1000, 4);
        var draws = Draws(new SamplingOptions { Temperature = 1.5f, TopK = 0, TopP = 1e-6f, Seed = 2 }, logits, 200);
        Assert.All(draws, token => Assert.Equal(Runtime.QwenOnnxModel.ArgMax(logits), token));
    }

    [Fact]
    public void Next_SameSeed_SameSequence_OtherSeedDiffers()
    {
        var logits = RandomLogits(500, 5);
        var options = new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1, Seed = 42 };
        var first = Draws(options, logits, 300);
        Assert.Equal(first, Draws(options, logits, 300));
        Assert.NotEqual(first, Draws(options with { Seed = 43 }, logits, 300));
    }

    [Fact]
    public void Next_RepetitionPenalty_DemotesSeenToken()
    {
        float[] logits = [2.0f, 1.9f, -1.0f, -1.1f];
        var penalised = new Sampler(SamplingOptions.GreedyDecoding with { RepetitionPenalty = 1.2f });

        // 2.0 / 1.2 < 1.9: the seen leader loses; -1.0 * 1.2 < -1.1: a seen negative logit sinks further.
        Assert.Equal(1, penalised.Next(logits, [0, 0]));
        Assert.Equal(0, new Sampler(SamplingOptions.GreedyDecoding).Next(logits, [0]));
        float[] negatives = [-1.0f, -1.1f];
        Assert.Equal(1, penalised.Next(negatives, [0]));
    }

    [Fact]
    public void Next_Temperature_FrequenciesFollowLogits()
    {
        float[] logits = [0f, 2f, 1f, -1f];
        var counts = new int[logits.Length];
        foreach (var token in Draws(new SamplingOptions { Temperature = 1f, TopK = 0, TopP = 1, Seed = 7 }, logits, 2000))
        {
            counts[token]++;
        }

        // Probabilities 0.087, 0.644, 0.237, 0.032: the draws keep that order and every token appears.
        Assert.True(counts[1] > counts[2] && counts[2] > counts[0] && counts[0] > counts[3], string.Join(",", counts));
        Assert.All(counts, count => Assert.True(count > 0));
        Assert.InRange(counts[1], 1150, 1430);
    }

    [Fact]
    public void Next_LowTemperature_ConcentratesOnTheLeader()
    {
        float[] logits = [0f, 2f, 1f, -1f];
        var hot = Draws(new SamplingOptions { Temperature = 2f, TopK = 0, TopP = 1, Seed = 8 }, logits, 2000).Count(token => token == 1);
        var cold = Draws(new SamplingOptions { Temperature = 0.25f, TopK = 0, TopP = 1, Seed = 8 }, logits, 2000).Count(token => token == 1);
        Assert.True(cold > hot, $"cold {cold}, hot {hot}");
    }

    [Fact]
    public void Next_TopKTwo_OnlyDrawsTheTwoBest()
    {
        var draws = Draws(new SamplingOptions { Temperature = 5f, TopK = 2, TopP = 1, Seed = 9 }, Logits, 500);
        Assert.Equal([1, 3], draws.Distinct().Order());
    }

    [Fact]
    public void Options_OutOfRange_AreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingOptions { TopP = 0 }));
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingOptions { TopK = -1 }));
        Assert.Throws<ArgumentException>(() => new Sampler(new SamplingOptions { RepetitionPenalty = 0 }));
    }
}
