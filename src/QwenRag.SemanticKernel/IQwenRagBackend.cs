using QwenRag.Core;
using QwenRag.Ingestion.Catalog;

namespace QwenRag.SemanticKernel;

/// <summary>
/// What the plugin needs of QwenRag: the same few operations whether they run in this process
/// (<see cref="InProcessQwenRagBackend"/>) or on a server (<see cref="QwenRagClient"/>). Inputs arrive checked by the
/// plugin; every failure a caller can cause is a <see cref="QwenRagException"/> with a message meant for the model.
/// </summary>
public interface IQwenRagBackend
{
    Task<IReadOnlyList<SetSummary>> ListSetsAsync(CancellationToken cancellationToken = default);

    Task<IReadOnlyList<QwenRagDocument>> ListDocumentsAsync(string set, CancellationToken cancellationToken = default);

    Task<SearchResponse> SearchAsync(string set, string query, int top, CancellationToken cancellationToken = default);

    Task<AskResponse> AskAsync(string set, string question, int top, CancellationToken cancellationToken = default);

    /// <summary>Takes a local file into a set and returns once it is searchable or has failed.</summary>
    Task<QwenRagUpload> UploadAsync(string set, string path, CancellationToken cancellationToken = default);

    /// <exception cref="QwenRagException">The set or the document does not exist (404).</exception>
    Task DeleteDocumentAsync(string set, string documentId, CancellationToken cancellationToken = default);
}
