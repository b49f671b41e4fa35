namespace QwenRag.Api.Tests.Deploy;

/// <summary>
/// A configuration key named in a deploy file, as the configuration key it becomes
/// (<c>QwenRag__Qdrant__Url</c> is <c>QwenRag:Qdrant:Url</c>), with the value set there when one is.
/// </summary>
internal sealed record DeploySetting(string File, string Key, string? Value)
{
    public const string EnvironmentPrefix = "QwenRag__";

    public static string KeyOf(string environmentVariable) => environmentVariable.Replace("__", ":", StringComparison.Ordinal);

    public override string ToString() => Value is null ? $"{File}: {Key}" : $"{File}: {Key}={Value}";
}
