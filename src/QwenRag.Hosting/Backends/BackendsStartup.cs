using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace QwenRag.Hosting.Backends;

/// <summary>Logs the process's <see cref="BackendSummary"/> in one line when the host starts.</summary>
internal sealed partial class BackendsStartup(BackendSummary backends, ILogger<BackendsStartup>? logger = null) : IHostedService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogBackends(backends.ToString());
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Backends: {Backends}")]
    private partial void LogBackends(string backends);
}
