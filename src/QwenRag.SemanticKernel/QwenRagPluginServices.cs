using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.SemanticKernel;
using Microsoft.SemanticKernel.Data;
using QwenRag.Core;
using QwenRag.Hosting;

namespace QwenRag.SemanticKernel;

/// <summary>
/// Registers the QwenRag plugin: a <see cref="KernelPlugin"/> (which a kernel built from these services picks up),
/// its <see cref="IQwenRagBackend"/>, and the same search as an <see cref="ITextSearch"/>.
/// </summary>
public static class QwenRagPluginServices
{
    /// <exception cref="ArgumentException">An option is invalid (<see cref="QwenRagPluginOptions.Validate"/>).</exception>
    public static IServiceCollection AddQwenRagPlugin(this IServiceCollection services, Action<QwenRagPluginOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new QwenRagPluginOptions();
        configure?.Invoke(options);
        options.Validate();
        services.AddSingleton(options);
        if (options.Backend == QwenRagBackendKind.Remote)
        {
            // The plugin is a singleton and so is its client: connections are renewed every few minutes by the
            // handler itself instead of by the factory's rotation, which a long-lived client would never see.
            services.AddHttpClient<QwenRagClient>(client => QwenRagClient.Configure(client, options.ServerUrl!, options.ApiKey, options.RequestTimeout))
                .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
                .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
                .AddTypedClient((http, _) => new QwenRagClient(http) { UploadTimeout = options.UploadTimeout });
            services.TryAddSingleton<IQwenRagBackend>(provider => provider.GetRequiredService<QwenRagClient>());
        }
        else
        {
            if (options.DataDirectory is not null && !services.Any(descriptor => descriptor.ServiceType == typeof(QueryService)))
            {
                services.AddQwenRag(new DataDirectory(options.DataDirectory));
            }

            services.TryAddSingleton<InProcessQwenRagBackend>();
            services.TryAddSingleton<IQwenRagBackend>(provider => provider.GetRequiredService<InProcessQwenRagBackend>());
        }

        services.TryAddSingleton(provider => new QwenRagTextSearch(provider.GetRequiredService<IQwenRagBackend>(), options));
#pragma warning disable CS0618 // the non-generic ITextSearch is what SK's text-search plugins take (see QwenRagTextSearch)
        services.TryAddSingleton<ITextSearch>(provider => provider.GetRequiredService<QwenRagTextSearch>());
#pragma warning restore CS0618
        services.AddSingleton(provider => QwenRagKernelPlugin.Create(provider.GetRequiredService<IQwenRagBackend>(), options));
        return services;
    }

    /// <summary><c>kernelBuilder.Plugins.AddQwenRag(...)</c>: <see cref="AddQwenRagPlugin"/> on the kernel's services.</summary>
    public static IKernelBuilderPlugins AddQwenRag(this IKernelBuilderPlugins plugins, Action<QwenRagPluginOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(plugins);
        plugins.Services.AddQwenRagPlugin(configure);
        return plugins;
    }
}
