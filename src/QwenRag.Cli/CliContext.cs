using System.CommandLine;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
using QwenRag.Generation.Answering;
using QwenRag.Hosting;

namespace QwenRag.Cli;

/// <summary>The services one command invocation uses, over the data directory it was given.</summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliContext(ServiceProvider services, DataDirectory data)
    {
        _services = services;
        Data = data;
    }

    public DataDirectory Data { get; }

    /// <param name="parse">The command line; <c>--qdrant</c> and environment variables configure the services.</param>
    /// <param name="model">The Qwen model to answer with; null keeps the extractive answerer.</param>
    /// <param name="overrides">More configuration keys, over the command line's.</param>
    public static CliContext Create(ParseResult parse, QwenModelOptions? model = null, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var data = DataDirectory.Resolve(parse.GetValue(CliOptions.Data));
        var configuration = new ConfigurationBuilder()
            .AddEnvironmentVariables()
            .AddInMemoryCollection(CliOptions.ConfigurationOverrides(parse))
            .AddInMemoryCollection(overrides ?? new Dictionary<string, string?>())
            .Build();
        var services = new ServiceCollection()
            .AddLogging(ConfigureLogging)
            .AddSingleton<IConfiguration>(configuration)
            .AddQwenRag(data, model: model)
            .BuildServiceProvider();
        return new CliContext(services, data);
    }

    /// <summary>Loggers for a command that builds no services: warnings and errors, one line each, on stderr.</summary>
    public static ILoggerFactory CreateLoggerFactory() => LoggerFactory.Create(ConfigureLogging);

    private static void ConfigureLogging(ILoggingBuilder logging) => logging
        .AddSimpleConsole(console => console.SingleLine = true)
        .AddFilter(level => level >= LogLevel.Warning)
        .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            console => console.LogToStandardErrorThreshold = LogLevel.Trace);

    /// <summary>Whether the index is a Qdrant collection (<c>--qdrant</c> or configuration) rather than embedded.</summary>
    public bool QdrantEnabled => Get<Microsoft.Extensions.Options.IOptions<Retrieval.Qdrant.QdrantOptions>>().Value.Enabled;

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
