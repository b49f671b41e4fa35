using Microsoft.Data.Sqlite;

namespace QwenRag.Core;

/// <summary>
/// One step of a component's schema, run once per database inside the transaction that records it
/// (see <see cref="SqliteDatabase.Migrate"/>). Versions of a component run 1, 2, 3, ... in order.
/// </summary>
public sealed record SqliteMigration(int Version, string Description, Action<SqliteConnection, SqliteTransaction> Apply)
{
    /// <summary>A step that is plain SQL (one or more statements).</summary>
    public static SqliteMigration Sql(int version, string description, string sql) => new(
        version,
        description,
        (connection, transaction) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            command.ExecuteNonQuery();
        });
}
