namespace QwenRag.Api;

/// <summary>Where the service keeps its data (key <c>QwenRag:DataDirectory</c>; else <c>QWENRAG_DATA</c>, else ./data).</summary>
public sealed class DataOptions
{
    public const string SectionName = "QwenRag";

    public string? DataDirectory { get; set; }

    /// <summary>
    /// A Qwen model folder to answer with (key <c>QwenRag:ModelDirectory</c>); unset keeps the extractive answerer.
    /// How it runs: <see cref="GenerationOptions"/>.
    /// </summary>
    public string? ModelDirectory { get; set; }
}
