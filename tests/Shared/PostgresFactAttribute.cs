namespace QwenRag.Tests;

/// <summary>A fact that needs a private PostgreSQL cluster (<see cref="PostgresCluster"/>); skipped, with the reason, where it cannot start.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    public PostgresFactAttribute()
    {
        Skip = PostgresCluster.SkipReason;
    }
}
