namespace QwenRag.Core;

/// <summary>
/// A set was indexed with another embedding model than this process embeds with (or is half-way through a switch):
/// its vectors and the process's queries are not comparable, even when their sizes agree. Permanent until the set is
/// re-embedded or the process configured for the set's model.
/// </summary>
public sealed class EmbeddingModelMismatchException : InvalidOperationException
{
    public EmbeddingModelMismatchException(string set, string setModel, string processModel, bool switching = false)
        : base(switching
            ? $"Set '{set}' is being re-embedded with {setModel} (a reindex did not finish); this process embeds with "
              + $"{processModel}. Finish it with `qwenrag reindex --set {set} --embedding {setModel}`."
            : $"Set '{set}' was indexed with embedding model {setModel}, but this process embeds with {processModel}: "
              + $"re-embed the set with `qwenrag reindex --set {set} --embedding {processModel}`, or set "
              + $"QwenRag:Embedding:Model (--embedding) to {setModel}.")
    {
        Set = set;
        SetModel = setModel;
        ProcessModel = processModel;
    }

    public string Set { get; }

    /// <summary>The model the set's vectors were made with (for a set being switched: the model it is switching to).</summary>
    public string SetModel { get; }

    public string ProcessModel { get; }
}
