using Microsoft.Extensions.DependencyInjection;
using Microsoft.SemanticKernel;
using QwenRag.Hosting;
using QwenRag.Tests;

namespace QwenRag.SemanticKernel.Tests;

public sealed class RegistrationTests
{
    [Fact]
    public async Task AddQwenRag_DataDirectoryOnly_AddsQwenRagsServicesToTheKernel()
    {
        using var directory = new TemporaryDirectory();
        var builder = Kernel.CreateBuilder();

        builder.Plugins.AddQwenRag(options => options.DataDirectory = directory.Path);
        var kernel = builder.Build();

        Assert.NotNull(kernel.Services.GetService<QueryService>());
        Assert.IsType<InProcessQwenRagBackend>(kernel.Services.GetRequiredService<IQwenRagBackend>());
        Assert.Equal("[]", await kernel.InvokeAsync<string>("qwenrag", "list_sets"));
        Assert.True(File.Exists(Path.Combine(directory.Path, "qwenrag.db")));
    }

    [Fact]
    public void AddQwenRagPlugin_RemoteWithoutServer_Refused()
    {
        var services = new ServiceCollection();

        var error = Assert.Throws<ArgumentException>(() =>
            services.AddQwenRagPlugin(options => options.Backend = QwenRagBackendKind.Remote));

        Assert.StartsWith("The remote backend needs ServerUrl", error.Message, StringComparison.Ordinal);
    }
}
