using Microsoft.Extensions.Hosting;
using QwenRag.Core;

namespace QwenRag.Api;

/// <summary>
/// Loads the configured Qwen model before the server listens, so that its device (and the reason for it) is logged
/// at startup and a model that cannot load stops <c>serve</c> with its error instead of failing the first question.
/// </summary>
public sealed class ModelStartup(IAnswerGenerator answerer) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        // Resolving the answerer is what loads it; this service only has to exist for that to happen at startup.
        _ = answerer.Name;
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
