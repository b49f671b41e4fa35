using System.Data.Common;

namespace QwenRag.Core.Postgres;

/// <summary>
/// How times are stored in PostgreSQL: <c>timestamptz</c>, in UTC, at millisecond precision like the SQLite tables'
/// unix milliseconds, so that a time returned by a store equals the time read back from it.
/// </summary>
public static class PostgresTime
{
    public static DateTimeOffset Write(DateTimeOffset time) => DateTimeOffset.FromUnixTimeMilliseconds(time.ToUnixTimeMilliseconds());

    public static DateTimeOffset Read(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetFieldValue<DateTimeOffset>(ordinal);
    }

    public static DateTimeOffset? ReadNullable(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<DateTimeOffset>(ordinal);
    }

    /// <summary>Now, at the precision stored.</summary>
    public static DateTimeOffset Now() => Write(DateTimeOffset.UtcNow);
}
