using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace QwenRag.Api.Tests.Deploy;

/// <summary>Reading YAML documents (compose files, multi-document manifests) by path, for assertions.</summary>
internal static class Yaml
{
    private static readonly YamlScalarNode MergeKey = new("<<");

    /// <summary>Every non-empty document of <paramref name="text"/>, aliases resolved to the nodes they name.</summary>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    public static IReadOnlyList<YamlNode> Documents(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents.Select(d => d.RootNode).Where(root => root is not YamlScalarNode { Value: null or "" })];
    }

    /// <summary>
    /// The value at <paramref name="key"/> of a mapping, or of the mappings it merges (<c>&lt;&lt;: *anchor</c>, as
    /// compose reads them: the mapping's own keys win); null when absent or not a mapping.
    /// </summary>
    public static YamlNode? Get(this YamlNode? node, string key)
    {
        if (node is not YamlMappingNode mapping)
        {
            return null;
        }

        return mapping.Children.TryGetValue(new YamlScalarNode(key), out var value)
            ? value
            : Merged(mapping).Select(source => source.Get(key)).FirstOrDefault(found => found is not null);
    }

    /// <summary>The value at a dotted path of mapping keys, e.g. <c>spec.template.spec</c>.</summary>
    public static YamlNode? At(this YamlNode? node, string path) =>
        path.Split('.').Aggregate(node, (current, key) => current.Get(key));

    public static string? Text(this YamlNode? node) => (node as YamlScalarNode)?.Value;

    /// <summary>The items of a sequence; empty when absent or not a sequence.</summary>
    public static IEnumerable<YamlNode> Items(this YamlNode? node) => node is YamlSequenceNode sequence ? sequence.Children : [];

    /// <summary>The entries of a mapping with those it merges, keys as text; empty when absent or not a mapping.</summary>
    public static IEnumerable<KeyValuePair<string, YamlNode>> Entries(this YamlNode? node)
    {
        if (node is not YamlMappingNode mapping)
        {
            return [];
        }

        var own = mapping.Children.Where(pair => !pair.Key.Equals(MergeKey))
            .Select(pair => KeyValuePair.Create(pair.Key.Text() ?? string.Empty, pair.Value)).ToList();
        var keys = own.Select(pair => pair.Key).ToHashSet(StringComparer.Ordinal);
        return own.Concat(Merged(mapping).SelectMany(source => source.Entries()).Where(pair => keys.Add(pair.Key)));
    }

    /// <summary>This node and every node below it.</summary>
    public static IEnumerable<YamlNode> Descendants(this YamlNode node) => node.AllNodes;

    private static IEnumerable<YamlNode> Merged(YamlMappingNode mapping) =>
        mapping.Children.TryGetValue(MergeKey, out var merged)
            ? merged is YamlSequenceNode sources ? sources.Children : [merged]
            : [];
}
