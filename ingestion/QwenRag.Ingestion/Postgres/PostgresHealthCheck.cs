using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using QwenRag.Core;
using QwenRag.Core.Postgres;

namespace QwenRag.Ingestion.Postgres;

/// <summary>
/// Readiness of the PostgreSQL database holding the catalog and the job queue: ready when it answers and the
/// catalog's and queue's tables are at this build's versions (migrating them if a start could not).
/// </summary>
public sealed class PostgresHealthCheck(PostgresDatabase database) : IHealthCheck
{
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(5);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ProbeTimeout);
        try
        {
            await database.RunAsync(
                async connection =>
                {
                    await using var ping = new NpgsqlCommand("SELECT 1", connection);
                    return await ping.ExecuteScalarAsync(timeout.Token);
                },
                timeout.Token);
            database.EnsureMigrated(PostgresDocumentCatalog.SchemaComponent, PostgresDocumentCatalog.Migrations);
            database.EnsureMigrated(PostgresJobQueue.SchemaComponent, PostgresJobQueue.Migrations);
            return HealthCheckResult.Healthy($"catalog and job queue on {database.Description}");
        }
        catch (CatalogUnavailableException ex)
        {
            return HealthCheckResult.Unhealthy(ex.Message);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The catalog database ({database.Description}) did not answer within {ProbeTimeout.TotalSeconds:0} s.");
        }
    }
}
