namespace QwenRag.Hosting.Worker;

/// <summary>What the worker does with a job whose document failed.</summary>
public enum IngestionFailureKind
{
    /// <summary>The document itself is at fault (corrupt, encrypted, no text, unsupported, too large): fail at once.</summary>
    Rejected,

    /// <summary>The machine or a store is at fault and may recover (disk full, database locked, store unreachable): retry later.</summary>
    Transient,

    /// <summary>Neither: most likely a bug, which waiting does not fix. Fail at once; the job can be retried after a fix.</summary>
    Unexpected,
}
