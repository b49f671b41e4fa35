using Microsoft.Extensions.Options;
using Npgsql;

namespace QwenRag.Core.Postgres;

/// <summary>
/// The PostgreSQL database that holds the catalog and the job queue (section <c>QwenRag:Postgres</c>). Without
/// <see cref="ConnectionString"/> they stay in the data directory's SQLite file.
/// </summary>
public sealed class PostgresOptions
{
    public const string SectionName = "QwenRag:Postgres";

    /// <summary>An Npgsql connection string, e.g. <c>Host=db;Database=qwenrag;Username=qwenrag;Password=...</c>.</summary>
    public string? ConnectionString { get; set; }

    public bool Enabled => !string.IsNullOrWhiteSpace(ConnectionString);

    /// <summary>Where the connection string points, without its credentials, for logs and health reports.</summary>
    public string Describe()
    {
        if (!Enabled)
        {
            return "not configured";
        }

        try
        {
            var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
            return $"PostgreSQL at {builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        }
        catch (ArgumentException)
        {
            return "PostgreSQL (invalid connection string)";
        }
    }

    /// <summary>Checks that a configured connection string parses and names a host; the message never repeats it (it may hold a password).</summary>
    public sealed class Validator : IValidateOptions<PostgresOptions>
    {
        public ValidateOptionsResult Validate(string? name, PostgresOptions options)
        {
            if (!options.Enabled)
            {
                return ValidateOptionsResult.Success;
            }

            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                return string.IsNullOrWhiteSpace(builder.Host)
                    ? ValidateOptionsResult.Fail($"{SectionName}:ConnectionString must name a Host.")
                    : ValidateOptionsResult.Success;
            }
            catch (Exception ex) when (ex is ArgumentException or FormatException or InvalidCastException)
            {
                return ValidateOptionsResult.Fail(
                    $"{SectionName}:ConnectionString is not a valid PostgreSQL connection string ({ex.GetType().Name}: {ex.Message}).");
            }
        }
    }
}
