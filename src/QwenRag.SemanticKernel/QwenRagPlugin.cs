using System.ComponentModel;
using Microsoft.SemanticKernel;
using QwenRag.Core;

namespace QwenRag.SemanticKernel;

/// <summary>
/// The functions a model reads QwenRag with: <c>ask</c>, <c>search</c>, <c>list_sets</c>, <c>list_documents</c>.
/// Named like Kernel Memory's MemoryPlugin (<c>ask</c> and <c>search</c> with <c>question</c> and <c>query</c>);
/// its optional <c>index</c> is QwenRag's <c>set</c>, the word every answer, error and the REST API use.
/// Build the Semantic Kernel plugin with <see cref="QwenRagKernelPlugin.Create"/>.
/// </summary>
public sealed class QwenRagPlugin
{
    internal const string SetDescription =
        "The document set (collection of documents, what Kernel Memory calls an index) to use. " +
        "Omit it to use the default set; list_sets names the sets.";

    private readonly IQwenRagBackend _backend;
    private readonly PluginInputs _inputs;

    public QwenRagPlugin(IQwenRagBackend backend, QwenRagPluginOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        _backend = backend;
        _inputs = new PluginInputs(options);
    }

    [KernelFunction("ask")]
    [Description(
        "Answers a question from the documents of a set, with citations. Returns the answer text, whose [n] markers " +
        "refer to the numbered Sources list after it (document name and page). Quote the document and page when you " +
        "use the answer. Use search instead to read the passages themselves.")]
    public async Task<string> AskAsync(
        [Description("The question, in natural language, e.g. 'Which license covers the package?'")] string question,
        [Description(SetDescription)] string? set = null,
        [Description("How many passages the answer may draw on, 1 to 100.")] int top = QueryLimits.DefaultAskTop,
        CancellationToken cancellationToken = default)
    {
        var name = _inputs.Set(set);
        var answer = await _backend.AskAsync(name, _inputs.Text(question, "question"), PluginInputs.Top(top), cancellationToken);
        return ToolText.Answer(answer);
    }

    [KernelFunction("search")]
    [Description(
        "Searches the documents of a set for passages about a query (keywords and meaning). Returns the best passages, " +
        "numbered [n], each with its document name, page(s) and text.")]
    public async Task<string> SearchAsync(
        [Description("What to look for: keywords or a question.")] string query,
        [Description(SetDescription)] string? set = null,
        [Description("How many passages to return, 1 to 100.")] int top = QueryLimits.DefaultSearchTop,
        CancellationToken cancellationToken = default)
    {
        var name = _inputs.Set(set);
        var found = await _backend.SearchAsync(name, _inputs.Text(query, "query"), PluginInputs.Top(top), cancellationToken);
        return ToolText.Passages(name, found.Results);
    }

    [KernelFunction("list_sets")]
    [Description("Lists the document sets that can be searched, as JSON: each set's name, documents, pages and chunks.")]
    public async Task<string> ListSetsAsync(CancellationToken cancellationToken = default)
    {
        var sets = await _backend.ListSetsAsync(cancellationToken);
        return ToolText.ToJson(sets.Select(summary => new { set = summary.Name, summary.Documents, summary.Pages, summary.Chunks }));
    }

    [KernelFunction("list_documents")]
    [Description("Lists the documents of a set, as JSON: each document's id, name, pages, chunks, status and tags.")]
    public async Task<string> ListDocumentsAsync(
        [Description(SetDescription)] string? set = null,
        CancellationToken cancellationToken = default)
    {
        var name = _inputs.Set(set);
        var documents = await _backend.ListDocumentsAsync(name, cancellationToken);
        var shown = documents.Take(MaxListedDocuments)
            .Select(document => new
            {
                document.Id,
                document.Name,
                document.Pages,
                document.Chunks,
                document.Status,
                Tags = document.Tags.Count == 0 ? null : document.Tags,
            })
            .ToArray();
        return ToolText.ToJson(new
        {
            set = name,
            total = documents.Count,
            documents = shown,
            note = documents.Count > shown.Length ? $"Only the first {shown.Length} documents are listed." : null,
        });
    }

    /// <summary>A set of thousands of documents would flood the model's context; the count says there are more.</summary>
    internal const int MaxListedDocuments = 200;
}
