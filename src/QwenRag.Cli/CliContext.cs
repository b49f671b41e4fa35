using System.CommandLine;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using QwenRag.Core;
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

    /// <param name="parse">The command line.</param>
    /// <param name="modelDirectory">A Qwen model folder to answer with; null keeps the extractive answerer.</param>
    public static CliContext Create(ParseResult parse, string? modelDirectory = null)
    {
        var data = DataDirectory.Resolve(parse.GetValue(CliOptions.Data));
        var services = new ServiceCollection()
            .AddLogging(logging => logging
                .AddSimpleConsole(console => console.SingleLine = true)
                .AddFilter(level => level >= LogLevel.Warning)
                .Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
                    console => console.LogToStandardErrorThreshold = LogLevel.Trace))
            .AddQwenRag(data, modelDirectory: modelDirectory)
            .BuildServiceProvider();
        return new CliContext(services, data);
    }

    public T Get<T>()
        where T : notnull => _services.GetRequiredService<T>();

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
