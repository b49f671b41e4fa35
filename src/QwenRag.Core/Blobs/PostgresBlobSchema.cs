using Npgsql;

namespace QwenRag.Core.Blobs;

/// <summary>
/// The blob tables, created or upgraded on first use: numbered steps run once each, in one transaction held under
/// an advisory lock, so that processes starting together do not race. Kept in one place so that it can move onto
/// a shared PostgreSQL migration mechanism as one component.
/// </summary>
internal static class PostgresBlobSchema
{
    /// <summary>The advisory lock of this schema: any constant unique among the application's locks.</summary>
    private const long LockId = 0x51_77_65_6E_42_6C_6F_62; // "QwenBlob"

    private static readonly (int Version, string Sql)[] Steps =
    [
        (1, """
            -- Keys compare byte by byte ("C"), so that a prefix is a range of the primary key whatever the locale.
            CREATE TABLE IF NOT EXISTS blobs (
                key        text COLLATE "C" PRIMARY KEY,
                size       bigint NOT NULL,
                created_at timestamptz NOT NULL
            );
            CREATE TABLE IF NOT EXISTS blob_chunks (
                key  text COLLATE "C" NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
                seq  integer NOT NULL,
                data bytea NOT NULL,
                PRIMARY KEY (key, seq)
            );
            -- Uploads are mostly compressed already (PDF, DOCX): storing them as they are spares the attempt.
            ALTER TABLE blob_chunks ALTER COLUMN data SET STORAGE EXTERNAL;
            """),
    ];

    public static int LatestVersion => Steps[^1].Version;

    public static async Task EnsureAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", connection, transaction))
        {
            command.Parameters.AddWithValue(LockId);
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = new NpgsqlCommand(
            "CREATE TABLE IF NOT EXISTS blob_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)", connection, transaction))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        int current;
        await using (var command = new NpgsqlCommand("SELECT COALESCE(MAX(version), 0) FROM blob_schema", connection, transaction))
        {
            current = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (current > LatestVersion)
        {
            throw new InvalidOperationException(
                $"The blob tables are at version {current}, newer than this build knows ({LatestVersion}): upgrade this process.");
        }

        foreach (var (version, sql) in Steps.Where(step => step.Version > current))
        {
            await using (var command = new NpgsqlCommand(sql, connection, transaction))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            await using var record = new NpgsqlCommand("INSERT INTO blob_schema (version, applied_at) VALUES ($1, now())", connection, transaction);
            record.Parameters.AddWithValue(version);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }
}
