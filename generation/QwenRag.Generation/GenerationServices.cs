using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
using QwenRag.Generation.Answering;

namespace QwenRag.Generation;

public static class GenerationServices
{
    /// <summary>
    /// Answers with the Qwen model in <see cref="QwenModelOptions.Directory"/>: one <see cref="QwenAnswerGenerator"/>
    /// shared by all requests, with its bounded queue, loaded on first use.
    /// </summary>
    /// <exception cref="ArgumentException">The model directory is empty or missing, or the queue bound is negative.</exception>
    public static IServiceCollection AddQwenGeneration(this IServiceCollection services, QwenModelOptions model)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(model);
        if (string.IsNullOrWhiteSpace(model.Directory))
        {
            throw new ArgumentException("The model directory is empty.", nameof(model));
        }

        var directory = Path.GetFullPath(model.Directory);
        if (!Directory.Exists(directory))
        {
            throw new ArgumentException($"The model directory '{directory}' does not exist.", nameof(model));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(model.MaxQueuedRequests, $"{nameof(model)}.{nameof(model.MaxQueuedRequests)}");
        var options = model with { Directory = directory };
        services.AddSingleton(provider => new QwenAnswerGenerator(options, provider.GetService<ILogger<QwenAnswerGenerator>>()));
        services.AddSingleton<IAnswerGenerator>(provider => provider.GetRequiredService<QwenAnswerGenerator>());
        return services;
    }
}
