namespace QwenRag.SemanticKernel;

/// <summary>What a failure message tells the model to do next, in the functions' own names.</summary>
internal static class Hints
{
    public const string ListSets = "Call list_sets to see the sets that exist.";

    public const string ListDocuments = "Call list_documents to see the set's documents and their ids.";

    /// <summary>The REST API's <c>Retry-After</c> for a busy model, used in process too.</summary>
    public static readonly TimeSpan BusyRetryAfter = TimeSpan.FromSeconds(2);
}
