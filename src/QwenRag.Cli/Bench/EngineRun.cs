namespace QwenRag.Cli.Bench;

/// <summary>One engine's greedy generation over a model folder, measured in a process of its own.</summary>
internal sealed record EngineRun(
    string Engine,
    string Device,
    string DeviceReason,
    double LoadSeconds,
    int PromptTokens,
    double PrefillSeconds,
    int DecodeSteps,
    double DecodeSeconds,
    long PeakWorkingSetBytes,
    int[] Tokens,
    ModelShape? Shape,
    KvMemory[] KvMemory)
{
    public double PrefillTokensPerSecond => PromptTokens / PrefillSeconds;

    public double DecodeTokensPerSecond => DecodeSteps / DecodeSeconds;
}
