using System.Globalization;
using Microsoft.Data.Sqlite;
using QwenRag.Core;

namespace QwenRag.Cli.Tests;

/// <summary>Reads the data directory's keyword index (SQLite) directly, as a process other than the indexer sees it.</summary>
internal static class KeywordIndex
{
    /// <summary>Rows of the document in the keyword index: one per chunk when nothing is duplicated.</summary>
    public static int CountChunks(DataDirectory data, string documentId) => Count(data, "document_id", documentId);

    /// <summary>Rows of the whole set.</summary>
    public static int CountSetChunks(DataDirectory data, string set) => Count(data, "set_name", set);

    private static int Count(DataDirectory data, string column, string value)
    {
        using var connection = new SqliteConnection($"Data Source={data.DatabasePath}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM keyword_chunks WHERE {column} = $value";
        command.Parameters.AddWithValue("$value", value);
        return Convert.ToInt32(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
