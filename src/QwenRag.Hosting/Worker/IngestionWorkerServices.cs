using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using QwenRag.Core.Blobs;
using QwenRag.Ingestion;

namespace QwenRag.Hosting.Worker;

public static class IngestionWorkerServices
{
    /// <summary>
    /// Adds the durable job queue (once; see <see cref="IngestionServices.AddJobQueue"/>), its uploads in the
    /// <see cref="IBlobStore"/>, and the background worker that drains it. Needs the services of
    /// <see cref="QwenRagServices.AddQwenRag"/>.
    /// </summary>
    public static IServiceCollection AddIngestionWorker(this IServiceCollection services, IngestionWorkerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        options ??= new IngestionWorkerOptions();
        options.Validate();
        services.AddJobQueue();
        services.TryAddSingleton(IngestionFailureClassifier.Default);
        services.AddSingleton(options);
        services.AddHostedService<IngestionWorker>();
        return services;
    }
}
