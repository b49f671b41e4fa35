using QwenRag.Core;

namespace QwenRag.Ingestion.Catalog;

/// <summary>
/// The sets and documents ingested so far: <see cref="DocumentCatalog"/> in the data directory's SQLite file, or
/// <see cref="Postgres.PostgresDocumentCatalog"/> shared by every machine. A store that cannot be reached throws
/// <see cref="CatalogUnavailableException"/>.
/// </summary>
public interface IDocumentCatalog
{
    DocumentEntry? Find(string set, string id);

    IReadOnlyList<DocumentEntry> FindByName(string set, string name);

    /// <summary>A set's documents by name, then time.</summary>
    IReadOnlyList<DocumentEntry> List(string set);

    /// <summary>Documents whose indexing was interrupted, in every set.</summary>
    IReadOnlyList<DocumentEntry> ListInterrupted();

    bool SetExists(string set);

    /// <exception cref="UnknownSetException">The set holds no documents.</exception>
    void RequireSet(string set);

    /// <summary>Sets with at least one ready document, by name, with their ready documents' counts.</summary>
    IReadOnlyList<SetSummary> ListSets();

    /// <summary>Records a document as being indexed, replacing any earlier record of the same bytes.</summary>
    void BeginIndexing(DocumentEntry entry);

    void CompleteIndexing(string set, string id, int pages, int chunks);

    void Remove(string set, string id);

    /// <summary>Whether any record, in any set, still points at this original file.</summary>
    bool IsOriginalReferenced(string originalPath);

    /// <summary>The model the set was embedded with; null for a set with no stamp (no documents yet).</summary>
    SetEmbedding? FindSetEmbedding(string set);

    /// <summary>
    /// Stamps the set with <paramref name="model"/> unless it has a stamp already; returns the stamp it has now (the
    /// first document's model wins a race).
    /// </summary>
    SetEmbedding StampSet(string set, string model, int dimensions);

    /// <summary>Marks the set as being re-embedded with <paramref name="model"/> (see <see cref="SetEmbedding.PendingModel"/>).</summary>
    void BeginModelSwitch(string set, string model, int dimensions);

    /// <summary>Records <paramref name="model"/> as the set's model and clears any pending switch.</summary>
    void SwitchModel(string set, string model, int dimensions);
}
