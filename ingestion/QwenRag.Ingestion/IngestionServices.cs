using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Core.Postgres;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Jobs;
using QwenRag.Ingestion.Pipeline;
using QwenRag.Ingestion.Postgres;

namespace QwenRag.Ingestion;

public static class IngestionServices
{
    /// <summary>
    /// Adds the catalog (<see cref="PostgresDocumentCatalog"/> when <c>QwenRag:Postgres:ConnectionString</c> is
    /// configured, else the <see cref="DocumentCatalog"/> of the data directory, both as <see cref="IDocumentCatalog"/>), the extractors, the chunker and the ingestor. Options come from section
    /// <see cref="IngestionOptions.SectionName"/> of the host's configuration, checked when the host starts (and on
    /// first use without a host), unless <paramref name="options"/> are given, which are checked now. Needs a
    /// <see cref="Core.DataDirectory"/> (its originals directory is the blob store unless an <see cref="IBlobStore"/> is
    /// registered first), an embedding generator, an <see cref="Core.IVectorStore"/> and the embedding
    /// model's <see cref="Tokenizer"/> (chunks are measured in its tokens) from the other libraries.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="options"/> are out of range.</exception>
    public static IServiceCollection AddIngestion(this IServiceCollection services, IngestionOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        if (options is null)
        {
            services.AddOptions<IngestionOptions>().BindConfiguration(IngestionOptions.SectionName).ValidateOnStart();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IngestionOptions>, IngestionOptionsValidator>());
        }
        else
        {
            services.AddSingleton(Options.Create(options.ThrowIfInvalid()));
        }

        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<IngestionOptions>>().Value);
        services.TryAddSingleton<IBlobStore>(provider => LocalBlobStore.For(provider.GetRequiredService<DataDirectory>()));
        services.AddPostgres();
        services.TryAddSingleton<DocumentCatalog>();
        services.TryAddSingleton<PostgresDocumentCatalog>();
        services.TryAddSingleton<IDocumentCatalog>(provider => PostgresEnabled(provider)
            ? provider.GetRequiredService<PostgresDocumentCatalog>()
            : provider.GetRequiredService<DocumentCatalog>());
        services.AddHostedService<PostgresStartup>();
        services.TryAddSingleton(_ => DocumentExtractors.CreateDefault());
        services.TryAddSingleton(provider => new Chunker(provider.GetRequiredService<Tokenizer>(), new ChunkingOptions()));
        services.TryAddSingleton<DocumentIngestor>();
        return services;
    }

    /// <summary>
    /// Adds the durable job queue: <see cref="PostgresJobQueue"/> when <c>QwenRag:Postgres:ConnectionString</c> is
    /// configured, else the <see cref="IngestionJobQueue"/> of the data directory; uploads are staged by
    /// <see cref="StagedUploads"/> either way. Needs a <see cref="Core.DataDirectory"/>.
    /// </summary>
    public static IServiceCollection AddJobQueue(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddPostgres();
        services.TryAddSingleton(provider => new StagedUploads(provider.GetRequiredService<IBlobStore>()));
        services.TryAddSingleton<IngestionJobQueue>();
        services.TryAddSingleton<PostgresJobQueue>();
        services.TryAddSingleton<IJobQueue>(provider => PostgresEnabled(provider)
            ? provider.GetRequiredService<PostgresJobQueue>()
            : provider.GetRequiredService<IngestionJobQueue>());
        return services;
    }

    private static bool PostgresEnabled(IServiceProvider provider) =>
        provider.GetRequiredService<IOptions<PostgresOptions>>().Value.Enabled;

    private sealed class IngestionOptionsValidator : IValidateOptions<IngestionOptions>
    {
        public ValidateOptionsResult Validate(string? name, IngestionOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
