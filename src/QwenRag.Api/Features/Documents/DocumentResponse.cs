using QwenRag.Ingestion.Catalog;

namespace QwenRag.Api.Features.Documents;

public sealed record DocumentResponse(
    string Id, string Name, string Status, int Pages, int Chunks, long Bytes, IReadOnlyList<string> Tags, DateTimeOffset IngestedAt)
{
    public static DocumentResponse From(DocumentEntry entry) => new(
        entry.Id, entry.Name, entry.Status.ToString().ToLowerInvariant(), entry.Pages, entry.Chunks, entry.Bytes, entry.Tags, entry.IngestedAt);
}

public sealed record DocumentsResponse(IReadOnlyList<DocumentResponse> Documents);
