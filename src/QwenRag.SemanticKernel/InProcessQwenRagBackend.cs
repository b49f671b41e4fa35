using System.Net;
using QwenRag.Core;
using QwenRag.Hosting;
using QwenRag.Ingestion.Catalog;
using QwenRag.Ingestion.Pipeline;

namespace QwenRag.SemanticKernel;

/// <summary>
/// QwenRag in this process: the query service, catalog and ingestor the REST API itself uses. An upload is ingested
/// right here (the ingestor serialises writers), so it needs no worker; failures become <see cref="QwenRagException"/>s
/// with the statuses the REST API would answer.
/// </summary>
public sealed class InProcessQwenRagBackend(QueryService queries, IDocumentCatalog catalog, DocumentIngestor ingestor) : IQwenRagBackend
{
    public Task<IReadOnlyList<SetSummary>> ListSetsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult(catalog.ListSets());

    public Task<IReadOnlyList<QwenRagDocument>> ListDocumentsAsync(string set, CancellationToken cancellationToken = default) =>
        Run<IReadOnlyList<QwenRagDocument>>(() =>
        {
            catalog.RequireSet(set);
            return Task.FromResult<IReadOnlyList<QwenRagDocument>>([.. catalog.List(set).Select(ToDocument)]);
        });

    public Task<SearchResponse> SearchAsync(string set, string query, int top, CancellationToken cancellationToken = default) =>
        Run(() => queries.SearchAsync(new SearchFilter(set), query, top, cancellationToken));

    public Task<AskResponse> AskAsync(string set, string question, int top, CancellationToken cancellationToken = default) =>
        Run(() => queries.AskAsync(set, question, top, cancellationToken: cancellationToken));

    public async Task<QwenRagUpload> UploadAsync(string set, string path, CancellationToken cancellationToken = default)
    {
        var outcome = await ingestor.IngestFileAsync(set, path, cancellationToken: cancellationToken);
        return outcome.Succeeded
            ? new QwenRagUpload(outcome.DocumentName, true, outcome.DocumentId, outcome.Pages, outcome.Chunks)
            : new QwenRagUpload(outcome.DocumentName, false, Error: outcome.Error);
    }

    public Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default) =>
        Run(async () =>
        {
            catalog.RequireSet(set);
            if (!await ingestor.DeleteDocumentAsync(set, documentId, cancellationToken))
            {
                throw new QwenRagException(
                    $"Set '{set}' has no document '{documentId}'. {Hints.ListDocuments}", HttpStatusCode.NotFound);
            }

            return true;
        });

    private static QwenRagDocument ToDocument(DocumentEntry entry) => new(
        entry.Id, entry.Name, entry.Status.ToString().ToLowerInvariant(), entry.Pages, entry.Chunks, entry.Bytes, entry.Tags, entry.IngestedAt);

    private static async Task<T> Run<T>(Func<Task<T>> operation)
    {
        try
        {
            return await operation();
        }
        catch (UnknownSetException ex)
        {
            throw new QwenRagException($"{ex.Message} {Hints.ListSets}", HttpStatusCode.NotFound, innerException: ex);
        }
        catch (ModelBusyException ex)
        {
            throw new QwenRagException(
                $"{ex.Message} Retry after {Hints.BusyRetryAfter.TotalSeconds:0} seconds.",
                HttpStatusCode.TooManyRequests,
                Hints.BusyRetryAfter,
                ex);
        }
        catch (VectorStoreUnavailableException ex)
        {
            throw new QwenRagException(
                $"QwenRag's vector store is unavailable: {ex.Message} Retry later.", HttpStatusCode.ServiceUnavailable, innerException: ex);
        }
        catch (RerankingFailedException ex)
        {
            throw new QwenRagException(ex.Message, HttpStatusCode.ServiceUnavailable, innerException: ex);
        }
        catch (CatalogUnavailableException ex)
        {
            throw new QwenRagException($"{ex.Message} Retry later.", HttpStatusCode.ServiceUnavailable, innerException: ex);
        }
    }
}
