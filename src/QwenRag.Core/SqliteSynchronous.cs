namespace QwenRag.Core;

/// <summary>How hard a commit waits for the disk (SQLite's <c>synchronous</c> pragma, in WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>A commit survives a process crash; the last ones may be lost in a power cut. For rebuildable data.</summary>
    Normal,

    /// <summary>A commit survives a power cut: what a 202 promised (jobs, the catalog) is never lost.</summary>
    Full,
}
