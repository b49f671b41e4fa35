namespace QwenRag.SemanticKernel;

public enum QwenRagBackendKind
{
    /// <summary>The query service, catalog and ingestor of this process's QwenRag services (<c>AddQwenRag</c>).</summary>
    InProcess,

    /// <summary>A QwenRag server's REST API (<see cref="QwenRagPluginOptions.ServerUrl"/>, <see cref="QwenRagPluginOptions.ApiKey"/>).</summary>
    Remote,
}
