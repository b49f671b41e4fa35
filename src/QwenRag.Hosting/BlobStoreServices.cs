using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Postgres;

namespace QwenRag.Hosting;

public static class BlobStoreServices
{
    /// <summary>
    /// Adds the <see cref="IBlobStore"/> that uploads and originals go to, as <c>QwenRag:Blobs:Store</c> says:
    /// <c>local</c> (the default: the data directory's <c>uploads/</c> and <c>originals/</c>) or <c>postgres</c>
    /// (at <c>QwenRag:Postgres:ConnectionString</c>, which it then requires). Checked when the host starts.
    /// </summary>
    public static IServiceCollection AddBlobStore(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<BlobStoreOptions>().BindConfiguration(BlobStoreOptions.SectionName).ValidateOnStart();
        services.AddPostgres();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BlobStoreOptions>, BlobStoreOptionsValidator>());
        services.TryAddSingleton<IBlobStore>(provider =>
        {
            var options = provider.GetRequiredService<IOptions<BlobStoreOptions>>().Value;
            return options.IsPostgres
                ? new PostgresBlobStore(provider.GetRequiredService<PostgresDatabase>())
                : LocalBlobStore.For(provider.GetRequiredService<DataDirectory>());
        });
        return services;
    }

    private sealed class BlobStoreOptionsValidator(IOptions<PostgresOptions> postgres) : IValidateOptions<BlobStoreOptions>
    {
        public ValidateOptionsResult Validate(string? name, BlobStoreOptions options)
        {
            var failures = options.Validate(postgres.Value.ConnectionString);
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
