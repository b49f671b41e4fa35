using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace QwenRag.Core.Postgres;

public static class PostgresServices
{
    /// <summary>
    /// Binds <see cref="PostgresOptions"/> from section <see cref="PostgresOptions.SectionName"/> (validated on start)
    /// and registers the one <see cref="PostgresDatabase"/>, created on first use and only when a connection string is
    /// configured. Safe to call from every library that stores something in PostgreSQL.
    /// </summary>
    public static IServiceCollection AddPostgres(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (services.Any(service => service.ServiceType == typeof(PostgresDatabase)))
        {
            return services;
        }

        services.AddOptions<PostgresOptions>().BindConfiguration(PostgresOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgresOptions>, PostgresOptions.Validator>());
        services.TryAddSingleton(provider => new PostgresDatabase(
            provider.GetRequiredService<IOptions<PostgresOptions>>().Value, provider.GetService<ILoggerFactory>()));
        return services;
    }
}
