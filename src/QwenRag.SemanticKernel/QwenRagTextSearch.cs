using System.Net;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.VectorData;
using Microsoft.SemanticKernel.Data;
using QwenRag.Core;

// SK 1.82 marks the non-generic ITextSearch obsolete in favour of ITextSearch<TRecord>, yet its text-search plugins
// (CreateWithSearch, CreateWithGetTextSearchResults, CreateWithGetSearchResults) still take the non-generic one.
#pragma warning disable CS0618

namespace QwenRag.SemanticKernel;

/// <summary>
/// QwenRag's hybrid search as Semantic Kernel's <see cref="ITextSearch"/>, so that SK's text-search plugins
/// (<c>CreateWithSearch</c>, <c>CreateWithGetTextSearchResults</c>, <c>CreateWithGetSearchResults</c>) use it. The set is
/// <see cref="QwenRagPluginOptions.DefaultSet"/> unless a filter says <c>TextSearchFilter().Equality("set", name)</c>;
/// results are the passages <c>search</c> returns: the value is the text, the name "document p.N", the link
/// "document#page=N"; <see cref="GetSearchResultsAsync"/> gives the <see cref="SearchResult"/>s themselves.
/// </summary>
public sealed class QwenRagTextSearch : ITextSearch
{
    /// <summary>The filter field that picks the set.</summary>
    public const string SetField = "set";

    private readonly IQwenRagBackend _backend;
    private readonly QwenRagPluginOptions _options;
    private readonly PluginInputs _inputs;

    public QwenRagTextSearch(IQwenRagBackend backend, QwenRagPluginOptions options)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(options);
        _backend = backend;
        _options = options;
        _inputs = new PluginInputs(options);
    }

    public async Task<KernelSearchResults<string>> SearchAsync(
        string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default)
    {
        var results = await SearchCoreAsync(query, searchOptions, cancellationToken);
        return new KernelSearchResults<string>(Each(results, result => $"{ToolText.Where(result.Document, result.Page, result.PageEnd)}: {result.Text}"));
    }

    public async Task<KernelSearchResults<TextSearchResult>> GetTextSearchResultsAsync(
        string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default)
    {
        var results = await SearchCoreAsync(query, searchOptions, cancellationToken);
        return new KernelSearchResults<TextSearchResult>(Each(results, result => new TextSearchResult(result.Text)
        {
            Name = ToolText.Where(result.Document, result.Page, result.PageEnd),
            Link = $"{result.Document}#page={result.Page}",
        }));
    }

    public async Task<KernelSearchResults<object>> GetSearchResultsAsync(
        string query, TextSearchOptions? searchOptions = null, CancellationToken cancellationToken = default)
    {
        var results = await SearchCoreAsync(query, searchOptions, cancellationToken);
        return new KernelSearchResults<object>(Each(results, result => (object)result));
    }

    private async Task<IReadOnlyList<SearchResult>> SearchCoreAsync(
        string query, TextSearchOptions? searchOptions, CancellationToken cancellationToken)
    {
        searchOptions ??= new TextSearchOptions();
        var set = _inputs.Set(SetFrom(searchOptions.Filter));
        var skip = Math.Max(0, searchOptions.Skip);
        if (searchOptions.Top < 1 || (long)searchOptions.Top + skip > QueryLimits.MaxTop)
        {
            throw new QwenRagException(
                $"Top plus Skip must be {QueryLimits.TopRule} (were {searchOptions.Top} and {skip}).", HttpStatusCode.BadRequest);
        }

        var found = await _backend.SearchAsync(set, _inputs.Text(query, "query"), searchOptions.Top + skip, cancellationToken);
        return [.. found.Results.Skip(skip).Take(searchOptions.Top)];
    }

    private string? SetFrom(TextSearchFilter? filter)
    {
        string? set = null;
        foreach (var clause in filter?.FilterClauses ?? [])
        {
            if (clause is EqualToFilterClause { FieldName: SetField, Value: string name })
            {
                set = name;
            }
            else
            {
                throw new QwenRagException(
                    $"QwenRag's text search filters by '{SetField}' only (TextSearchFilter().Equality(\"{SetField}\", name)).",
                    HttpStatusCode.BadRequest);
            }
        }

        return set ?? _options.DefaultSet;
    }

    private static async IAsyncEnumerable<T> Each<T>(
        IReadOnlyList<SearchResult> results, Func<SearchResult, T> map, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        foreach (var result in results)
        {
            cancellationToken.ThrowIfCancellationRequested();
            yield return map(result);
        }

        await Task.CompletedTask;
    }
}
