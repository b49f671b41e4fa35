using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QwenRag.Core;
using QwenRag.Core.Postgres;

namespace QwenRag.Ingestion.Postgres;

/// <summary>
/// When the host starts with PostgreSQL configured, says so and brings the catalog's and queue's tables up to date.
/// A database that cannot be reached is logged in one line (where, and why) and leaves the host running but not
/// ready; every use tries again, so work resumes once the database is back. Without PostgreSQL it only says that
/// the catalog is the data directory's SQLite file.
/// </summary>
internal sealed partial class PostgresStartup(
    IServiceProvider services, IOptions<PostgresOptions> options, ILogger<PostgresStartup>? logger = null) : IHostedService
{
    private readonly ILogger _logger = (ILogger?)logger ?? NullLogger.Instance;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.Enabled)
        {
            LogSqlite();
            return Task.CompletedTask;
        }

        var database = services.GetRequiredService<PostgresDatabase>();
        LogUsing(database.Description);
        try
        {
            database.EnsureMigrated(PostgresDocumentCatalog.SchemaComponent, PostgresDocumentCatalog.Migrations);
            database.EnsureMigrated(PostgresJobQueue.SchemaComponent, PostgresJobQueue.Migrations);
        }
        catch (CatalogUnavailableException ex)
        {
            LogUnavailable(ex.Message);
        }

        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog and job queue: the data directory's SQLite database")]
    private partial void LogSqlite();

    [LoggerMessage(Level = LogLevel.Information, Message = "Catalog and job queue: {Database}")]
    private partial void LogUsing(string database);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Reason}; not ready until it can be reached")]
    private partial void LogUnavailable(string reason);
}
