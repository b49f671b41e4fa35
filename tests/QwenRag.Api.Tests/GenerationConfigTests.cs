using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Options;
using QwenRag.Generation.Generation;
using QwenRag.Generation.Runtime;
using QwenRag.Tests;

namespace QwenRag.Api.Tests;

/// <summary><c>QwenRag:Generation</c> and <c>QwenRag:ModelDirectory</c>: bad values stop the service before it listens.</summary>
public sealed class GenerationConfigTests
{
    [Theory]
    [InlineData("Device", "gpu", "QwenRag:Generation:Device must be 'cpu' or 'cuda' (was 'gpu')")]
    [InlineData("Device", "1", "QwenRag:Generation:Device must be 'cpu' or 'cuda' (was '1')")]
    [InlineData("MaxQueuedRequests", "-1", "QwenRag:Generation:MaxQueuedRequests must be 0 or more (was -1)")]
    [InlineData("CudaDeviceId", "-2", "QwenRag:Generation:CudaDeviceId must be 0 or more (was -2)")]
    [InlineData("MaxBatch", "0", "QwenRag:Generation:MaxBatch must be between 1 and 256 (was 0)")]
    [InlineData("MaxBatch", "257", "QwenRag:Generation:MaxBatch must be between 1 and 256 (was 257)")]
    [InlineData("KvCacheBytes", "0", "QwenRag:Generation:KvCacheBytes must be positive (was 0)")]
    public async Task InvalidGenerationSetting_StartupFailsNamingIt(string key, string value, string message)
    {
        var error = await StartAsync($"--QwenRag:Generation:{key}", value);

        var invalid = Assert.IsType<OptionsValidationException>(error);
        Assert.Contains(message, invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MissingModelDirectory_StartupFailsNamingIt()
    {
        using var directory = new TemporaryDirectory();
        var missing = Path.Combine(directory.Path, "no-model");

        var error = await StartAsync("--QwenRag:ModelDirectory", missing);

        var invalid = Assert.IsAssignableFrom<ArgumentException>(error);
        Assert.Contains(missing, invalid.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ModelDirectoryWithoutAModel_StartupFailsNamingTheFile()
    {
        // The model loads before the server listens, so a folder without model.onnx stops serve instead of the first question.
        using var directory = new TemporaryDirectory();

        var error = await StartAsync("--QwenRag:ModelDirectory", directory.Path);

        Assert.NotNull(error);
        Assert.Contains("tokenizer.json", error.Message + error.InnerException?.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CUDA", "0")]
    [InlineData("cpu", "100")]
    public async Task ValidGenerationSettings_Start(string device, string maxQueued)
    {
        var error = await StartAsync("--QwenRag:Generation:Device", device, "--QwenRag:Generation:MaxQueuedRequests", maxQueued);

        Assert.Null(error);
    }

    [Fact]
    public void ModelOptions_CarryDeviceAndQueueBound_OnlyWithADirectory()
    {
        var options = new GenerationOptions { Device = "Cuda", CudaDeviceId = 1, MaxQueuedRequests = 3, MaxBatch = 4, KvCacheBytes = 1 << 20 };

        var model = options.ModelOptions("/models/qwen");

        Assert.NotNull(model);
        Assert.Equal("/models/qwen", model.Directory);
        Assert.Equal(ExecutionDevice.Cuda, model.Runtime.Device);
        Assert.Equal(1, model.Runtime.CudaDeviceId);
        Assert.Equal(3, model.MaxQueuedRequests);
        Assert.Equal((4, 1L << 20), (model.Scheduling.MaxBatch, model.Scheduling.KvCacheBytes));
        Assert.Null(options.ModelOptions(" "));
        Assert.Equal(ExecutionDevice.Cpu, new GenerationOptions().ModelOptions("/m")!.Runtime.Device);
        Assert.Equal(8, new GenerationOptions().ModelOptions("/m")!.MaxQueuedRequests);
        Assert.Equal(new GenerationSchedulerOptions(), new GenerationOptions().ModelOptions("/m")!.Scheduling);
    }

    /// <summary>Builds and starts the API with <paramref name="settings"/>; the exception that stopped it, or null when it started.</summary>
    private static async Task<Exception?> StartAsync(params string[] settings)
    {
        using var directory = new TemporaryDirectory();
        WebApplication? app = null;
        var error = await Record.ExceptionAsync(async () =>
        {
            app = QwenRagApi.Build(
                ["--urls", "http://127.0.0.1:0", "--QwenRag:DataDirectory", directory.Path, "--Logging:LogLevel:Default", "None", .. settings]);
            await app.StartAsync();
        });
        if (app is not null)
        {
            if (error is null)
            {
                await app.StopAsync();
            }

            await app.DisposeAsync();
        }

        return error;
    }
}
