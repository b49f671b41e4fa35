using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using QwenRag.Core;
using QwenRag.Core.Models;
using QwenRag.Generation.RetrievalModels;
using QwenRag.Generation.Runtime;

namespace QwenRag.Generation.Tests;

public sealed class Qwen3RegistrationTests
{
    [Fact]
    public void AddQwen3RetrievalModels_RegistersEachSourceOnce_WithConfiguredInstructions()
    {
        var data = Path.Combine(Path.GetTempPath(), "qwenrag-qwen3-di-" + Guid.NewGuid().ToString("N"));
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [Qwen3ModelSettings.QueryInstructionKey] = "Find the German manual page",
            [Qwen3ModelSettings.RerankInstructionKey] = "Judge the license clause",
            [Qwen3ModelSettings.RerankDeviceKey] = "CUDA",
        }).Build();
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(configuration)
            .AddSingleton(new DataDirectory(data))
            .AddQwen3RetrievalModels()
            .AddQwen3RetrievalModels();
        using var provider = services.BuildServiceProvider();

        Assert.IsType<Qwen3EmbeddingSource>(Assert.Single(provider.GetServices<IEmbeddingModelSource>()));
        Assert.IsType<Qwen3RerankerSource>(Assert.Single(provider.GetServices<IRerankerSource>()));
        Assert.Equal(Path.Combine(Path.GetFullPath(data), "models"), provider.GetRequiredService<Qwen3GraphCache>().Root);
        var settings = provider.GetRequiredService<Qwen3ModelSettings>();
        Assert.Equal("Find the German manual page", settings.Embedding.QueryInstruction);
        Assert.Equal(ExecutionDevice.Cpu, settings.Embedding.Runtime.Device);
        Assert.Equal("Judge the license clause", settings.Reranking.Instruction);
        Assert.Equal(ExecutionDevice.Cuda, settings.Reranking.Runtime.Device);
    }

    [Fact]
    public void Settings_UnknownDevice_IsAClearError()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            [Qwen3ModelSettings.EmbeddingDeviceKey] = "tpu",
        }).Build();
        var exception = Assert.Throws<ArgumentException>(() => Qwen3ModelSettings.From(configuration));
        Assert.Contains(Qwen3ModelSettings.EmbeddingDeviceKey, exception.Message, StringComparison.Ordinal);
    }
}
