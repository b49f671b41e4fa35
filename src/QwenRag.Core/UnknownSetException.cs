namespace QwenRag.Core;

/// <summary>A request named a set that holds no documents.</summary>
public sealed class UnknownSetException(string set) : Exception($"Set '{set}' does not exist (it has no documents).")
{
    public string Set { get; } = set;
}
