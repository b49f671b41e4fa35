using System.Data.Common;

namespace QwenRag.Ingestion.Catalog;

/// <param name="EmbeddingModel">The model the set was embedded with (null: not recorded).</param>
public sealed record SetSummary(string Name, int Documents, int Chunks, int Pages, string? EmbeddingModel = null)
{
    /// <summary>The summaries in rows selected as set_name, documents, chunks, pages, embedding model (both catalogs' query).</summary>
    internal static List<SetSummary> ReadAll(DbDataReader reader)
    {
        var sets = new List<SetSummary>();
        while (reader.Read())
        {
            sets.Add(new SetSummary(
                reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2), reader.GetInt32(3), reader.IsDBNull(4) ? null : reader.GetString(4)));
        }

        return sets;
    }
}
