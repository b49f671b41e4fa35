namespace QwenRag.Core.Postgres;

/// <summary>
/// The PostgreSQL server that catalog, job queue and blobs may live in: section <c>QwenRag:Postgres</c>
/// (environment <c>QwenRag__Postgres__ConnectionString</c>). Without a connection string, SQLite stays the default.
/// </summary>
public sealed class PostgresOptions
{
    public const string SectionName = "QwenRag:Postgres";

    /// <summary>An Npgsql connection string; null or empty when PostgreSQL is not used.</summary>
    public string? ConnectionString { get; set; }
}
