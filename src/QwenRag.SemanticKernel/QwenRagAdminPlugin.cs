using System.ComponentModel;
using System.Net;
using Microsoft.SemanticKernel;

namespace QwenRag.SemanticKernel;

/// <summary>
/// The functions that change a set: <c>upload</c> and <c>delete_document</c>. Registered only when
/// <see cref="QwenRagPluginOptions.IncludeAdminFunctions"/> is on; uploads read only inside
/// <see cref="QwenRagPluginOptions.UploadFolders"/>.
/// </summary>
public sealed class QwenRagAdminPlugin
{
    private readonly IQwenRagBackend _backend;
    private readonly PluginInputs _inputs;
    private readonly UploadFolders _folders;

    public QwenRagAdminPlugin(IQwenRagBackend backend, QwenRagPluginOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        _backend = backend;
        _inputs = new PluginInputs(options);
        _folders = new UploadFolders(options.UploadFolders);
    }

    [KernelFunction("upload")]
    [Description(
        "Adds a file (PDF, DOCX, HTML, Markdown or text) to a set and waits until it is searchable. Returns JSON: the " +
        "document's id, pages and chunks, or why it failed. A file with the name of one already in the set replaces it.")]
    public async Task<string> UploadAsync(
        [Description("The file's path, inside the upload folder (a relative path is taken from there).")] string path,
        [Description(QwenRagPlugin.SetDescription)] string? set = null,
        CancellationToken cancellationToken = default)
    {
        var name = _inputs.Set(set);
        var file = _folders.Resolve(path);
        QwenRagUpload upload;
        try
        {
            upload = await _backend.UploadAsync(name, file, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new QwenRagException($"'{Path.GetFileName(file)}' cannot be read: {ex.Message}", HttpStatusCode.BadRequest, innerException: ex);
        }

        return ToolText.ToJson(new
        {
            upload.Document,
            set = name,
            status = upload.Succeeded ? "succeeded" : "failed",
            upload.DocumentId,
            pages = upload.Succeeded ? upload.Pages : (int?)null,
            chunks = upload.Succeeded ? upload.Chunks : (int?)null,
            upload.Error,
        });
    }

    [KernelFunction("delete_document")]
    [Description("Deletes a document from a set, and from every index, for good. Returns JSON naming what was deleted.")]
    public async Task<string> DeleteDocumentAsync(
        [Description("The document's id or its exact name, as list_documents shows them.")] string document,
        [Description(QwenRagPlugin.SetDescription)] string? set = null,
        CancellationToken cancellationToken = default)
    {
        var name = _inputs.Set(set);
        if (string.IsNullOrWhiteSpace(document))
        {
            throw new QwenRagException($"Name the document to delete. {Hints.ListDocuments}", HttpStatusCode.BadRequest);
        }

        document = document.Trim();
        var documents = await _backend.ListDocumentsAsync(name, cancellationToken);
        var matches = documents.Where(entry => entry.Id == document).ToArray() is { Length: > 0 } byId
            ? byId
            : documents.Where(entry => string.Equals(entry.Name, document, StringComparison.Ordinal)).ToArray();
        var target = matches.Length switch
        {
            0 => throw new QwenRagException(
                $"Set '{name}' has no document '{PluginInputs.Shorten(document)}'. {Hints.ListDocuments}", HttpStatusCode.NotFound),
            1 => matches[0],
            _ => throw new QwenRagException(
                $"Set '{name}' has {matches.Length} documents named '{document}'; pass one of their ids: " +
                string.Join(", ", matches.Select(entry => entry.Id)) + ".",
                HttpStatusCode.Conflict),
        };
        await _backend.DeleteDocumentAsync(name, target.Id, cancellationToken);
        return ToolText.ToJson(new { deleted = target.Name, id = target.Id, set = name });
    }
}
