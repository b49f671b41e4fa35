using QwenRag.Core.Postgres;

namespace QwenRag.Core.Blobs;

/// <summary>Where uploads and originals are kept: section <c>QwenRag:Blobs</c>.</summary>
public sealed class BlobStoreOptions
{
    public const string SectionName = "QwenRag:Blobs";

    /// <summary>In the data directory, as files (<c>uploads/</c>, <c>originals/</c>): one machine, or a shared volume.</summary>
    public const string Local = "local";

    /// <summary>In PostgreSQL at <c>QwenRag:Postgres:ConnectionString</c>, in chunks: every machine reaches them.</summary>
    public const string Postgres = "postgres";

    /// <summary><see cref="Local"/> (the default) or <see cref="Postgres"/>.</summary>
    public string Store { get; set; } = Local;

    public bool IsPostgres => string.Equals(Store, Postgres, StringComparison.OrdinalIgnoreCase);

    /// <summary>Problems with the options, in words; empty when they are valid.</summary>
    public IReadOnlyList<string> Validate(string? postgresConnectionString)
    {
        var failures = new List<string>();
        if (!string.Equals(Store, Local, StringComparison.OrdinalIgnoreCase) && !string.Equals(Store, Postgres, StringComparison.OrdinalIgnoreCase))
        {
            failures.Add($"{SectionName}:Store must be '{Local}' or '{Postgres}', not '{Store}'.");
        }
        else if (IsPostgres && string.IsNullOrWhiteSpace(postgresConnectionString))
        {
            failures.Add($"{SectionName}:Store is '{Postgres}' but {PostgresOptions.SectionName}:ConnectionString is not set.");
        }

        return failures;
    }
}
