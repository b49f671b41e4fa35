using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Retrieval.Reranking;

namespace QwenRag.Retrieval.Tests.Reranking;

/// <summary>The <c>QwenRag:Reranking</c> section as <see cref="RetrievalServices.AddRetrieval"/> binds it.</summary>
[Collection(CrossEncoderCollection.Name)]
public sealed class RerankingOptionsTests(CrossEncoderFixture fixture)
{
    [Fact]
    public void AddRetrieval_NoModel_RerankingIsOff()
    {
        using var services = Services([]);

        var configured = services.GetRequiredService<ConfiguredReranker>();

        Assert.Null(configured.Reranker);
        Assert.Equal(RerankingOptions.DefaultCandidates, configured.Candidates);
    }

    [Fact]
    public void AddRetrieval_CrossEncoderFolder_OpensItWithTheCandidates()
    {
        using var services = Services(new() { ["QwenRag:Reranking:Model"] = fixture.Folder, ["QwenRag:Reranking:Candidates"] = "20" });

        var configured = services.GetRequiredService<ConfiguredReranker>();

        Assert.IsType<CrossEncoderReranker>(configured.Reranker);
        Assert.Equal(20, configured.Candidates);
    }

    [Theory]
    [InlineData("0", null, "Candidates must be between 1 and 100")]
    [InlineData("101", null, "Candidates must be between 1 and 100")]
    [InlineData("30", "missing-folder", "QwenRag:Reranking:Model")]
    public void AddRetrieval_InvalidSection_FailsNamingTheSetting(string candidates, string? model, string expected)
    {
        using var services = Services(new()
        {
            ["QwenRag:Reranking:Candidates"] = candidates,
            ["QwenRag:Reranking:Model"] = model is null ? null : Path.Combine(fixture.Root, model),
        });

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RerankingOptions>>().Value);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Services(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddSingleton(new DataDirectory(Path.Combine(Path.GetTempPath(), "qwenrag-unused")))
            .AddRetrieval()
            .BuildServiceProvider();
}
