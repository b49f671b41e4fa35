using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Microsoft.ML.Tokenizers;
using QwenRag.Core;
using QwenRag.Core.Blobs;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Chunking;
using QwenRag.Ingestion.Extraction;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Ingestion;

public static class IngestionServices
{
    /// <summary>
    /// Adds the catalog, the extractors, the chunker and the ingestor. Options come from section
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
        services.TryAddSingleton<DocumentCatalog>();
        services.TryAddSingleton(_ => DocumentExtractors.CreateDefault());
        services.TryAddSingleton(provider => new Chunker(provider.GetRequiredService<Tokenizer>(), new ChunkingOptions()));
        services.TryAddSingleton<DocumentIngestor>();
        return services;
    }

    private sealed class IngestionOptionsValidator : IValidateOptions<IngestionOptions>
    {
        public ValidateOptionsResult Validate(string? name, IngestionOptions options)
        {
            var failures = options.Validate();
            return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
        }
    }
}
