using System.Data.Common;

namespace QwenRag.Ingestion.Catalog;

public sealed record SetSummary(string Name, int Documents, int Chunks, int Pages)
{
    /// <summary>The summaries in rows selected as set_name, documents, chunks, pages (both catalogs' query).</summary>
    internal static List<SetSummary> ReadAll(DbDataReader reader)
    {
        var sets = new List<SetSummary>();
        while (reader.Read())
        {
            sets.Add(new SetSummary(reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3)));
        }

        return sets;
    }
}
