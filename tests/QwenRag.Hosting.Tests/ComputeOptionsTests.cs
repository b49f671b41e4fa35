using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Retrieval.Answering;
using QwenRag.Tests;

namespace QwenRag.Hosting.Tests;

public sealed class ComputeOptionsTests : IDisposable
{
    private readonly TemporaryDirectory _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public async Task AddQwenRag_SearchQueries_EmbeddedBySessionOfTheirOwnThatAgreesWithTheBulkOneGivenTheQueryPrefix()
    {
        await using var services = new ServiceCollection().AddQwenRag(new DataDirectory(_directory.Path)).BuildServiceProvider();
        var bulk = services.GetRequiredService<IEmbeddingGenerator<string, Embedding<float>>>();
        var query = services.GetRequiredKeyedService<IEmbeddingGenerator<string, Embedding<float>>>(QwenRagServices.QueryEmbeddings);

        // The query session embeds as a query: the default model's query prefix, which documents do not get.
        var prefix = Retrieval.Embeddings.SentenceEmbeddingModel.Default.QueryPrefix;
        Assert.NotEmpty(prefix);
        var a = (await bulk.GenerateAsync([prefix + "How does YaRN extend the context window?"]))[0].Vector.ToArray();
        var b = (await query.GenerateAsync(["How does YaRN extend the context window?"]))[0].Vector.ToArray();

        Assert.NotSame(bulk, query);
        Assert.Equal(a.Length, b.Length);
        Assert.All(a.Zip(b), pair => Assert.Equal(pair.First, pair.Second, 1e-4f));
        Assert.IsType<ExtractiveAnswerer>(services.GetRequiredService<IAnswerGenerator>());
    }

    [Fact]
    public void ApplyToThreadPool_RaisesTheMinimumAndNeverLowersIt()
    {
        ThreadPool.GetMinThreads(out var before, out _);
        new ComputeOptions { MinThreadPoolThreads = 1 }.ApplyToThreadPool();
        ThreadPool.GetMinThreads(out var unchanged, out _);
        new ComputeOptions { MinThreadPoolThreads = before + 3 }.ApplyToThreadPool();
        ThreadPool.GetMinThreads(out var raised, out _);

        Assert.Equal(before, unchanged);
        Assert.Equal(before + 3, raised);
    }

    [Theory]
    [InlineData(0, 1, 1, 0, "QwenRag:Compute:EmbeddingThreads")]
    [InlineData(null, 0, 1, 0, "QwenRag:Compute:QueryEmbeddingThreads")]
    [InlineData(null, 1, 0, 0, "QwenRag:Compute:MaxConcurrentAnswers")]
    [InlineData(null, 1, 1, -1, "QwenRag:Compute:MaxQueuedAnswers")]
    [InlineData(null, 1, 1, 0, "QwenRag:Compute:MinThreadPoolThreads")]
    public void AddQwenRag_BadComputeOption_RefusedNamingTheSetting(int? embedding, int query, int concurrent, int queued, string setting)
    {
        var options = new ComputeOptions
        {
            EmbeddingThreads = embedding,
            QueryEmbeddingThreads = query,
            MaxConcurrentAnswers = concurrent,
            MaxQueuedAnswers = queued,
            MinThreadPoolThreads = setting.EndsWith("MinThreadPoolThreads", StringComparison.Ordinal) ? 0 : 32,
        };

        var error = Assert.Throws<ArgumentException>(
            () => new ServiceCollection().AddQwenRag(new DataDirectory(_directory.Path), compute: options));

        Assert.Contains(setting, error.Message, StringComparison.Ordinal);
    }
}
