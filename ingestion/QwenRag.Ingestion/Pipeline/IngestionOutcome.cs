using System.Text.Json.Serialization;

namespace QwenRag.Ingestion.Pipeline;

/// <param name="Cause">
/// Why a <see cref="IngestionStatus.Failed"/> document failed: a <see cref="Extraction.DocumentRejectedException"/>
/// for a rejected document, else the exception that stopped indexing (a full disk, a locked database, an
/// unreachable store). The ingestor reports it; its caller decides whether to try again.
/// Never serialised: <c>--json</c> prints <see cref="Error"/>, meant for people.
/// </param>
public sealed record IngestionOutcome(
    string DocumentName,
    IngestionStatus Status,
    string? DocumentId = null,
    int Pages = 0,
    int Chunks = 0,
    string? Error = null,
    [property: JsonIgnore] Exception? Cause = null)
{
    public bool Succeeded => Status != IngestionStatus.Failed;
}
