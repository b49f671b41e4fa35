using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.Hosting;

/// <summary>
/// <see cref="IngestionOptions"/> from section <c>QwenRag:Ingestion</c> (its extraction limits under
/// <c>QwenRag:Ingestion:Extraction</c>), read while the host is built so that a bad value stops startup.
/// </summary>
public static class IngestionConfiguration
{
    /// <exception cref="OptionsValidationException">A value is out of range (zero or negative bounds).</exception>
    public static IngestionOptions Read(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var options = configuration.GetSection(IngestionOptions.SectionName).Get<IngestionOptions>() ?? new IngestionOptions();
        var failures = options.Validate();
        return failures.Count == 0
            ? options
            : throw new OptionsValidationException(IngestionOptions.SectionName, typeof(IngestionOptions), failures);
    }
}
