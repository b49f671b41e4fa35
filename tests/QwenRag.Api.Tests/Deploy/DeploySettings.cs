using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace QwenRag.Api.Tests.Deploy;

/// <summary>
/// The configuration keys deploy files set: environment variables named <c>QwenRag__…</c> wherever they appear.
/// In YAML: mapping keys (compose <c>environment</c>, ConfigMap and Secret <c>data</c>), <c>name:</c> of a
/// Kubernetes <c>env</c> entry, <c>NAME=value</c> list items. In any file, also the text itself, so that a key in an
/// ENV line, an env file or a commented-out suggestion is checked as well.
/// </summary>
internal static partial class DeploySettings
{
    public static IReadOnlyList<DeploySetting> FromYaml(string file, string text)
    {
        var settings = new List<DeploySetting>();
        foreach (var node in Yaml.Documents(text).SelectMany(root => root.Descendants()))
        {
            switch (node)
            {
                case YamlMappingNode mapping:
                    foreach (var (key, value) in mapping.Entries())
                    {
                        if (IsVariable(key))
                        {
                            settings.Add(new DeploySetting(file, DeploySetting.KeyOf(key), value.Text()));
                        }
                    }

                    if (mapping.Get("name").Text() is { } name && IsVariable(name))
                    {
                        settings.Add(new DeploySetting(file, DeploySetting.KeyOf(name), mapping.Get("value").Text()));
                    }

                    break;
                case YamlSequenceNode sequence:
                    foreach (var item in sequence.Items().Select(i => i.Text()).OfType<string>())
                    {
                        if (item.Split('=', 2) is [var variable, var value] && IsVariable(variable))
                        {
                            settings.Add(new DeploySetting(file, DeploySetting.KeyOf(variable), value));
                        }
                    }

                    break;
            }
        }

        settings.AddRange(FromText(file, text));
        return settings;
    }

    /// <summary>Every <c>QwenRag__…</c> name in the text, with the value when it reads <c>NAME=value</c>.</summary>
    public static IReadOnlyList<DeploySetting> FromText(string file, string text) =>
        [.. Variable().Matches(text).Select(match => new DeploySetting(
            file, DeploySetting.KeyOf(match.Groups["name"].Value), match.Groups["value"].Success ? match.Groups["value"].Value : null))];

    private static bool IsVariable(string name) => WholeVariable().IsMatch(name);

    [GeneratedRegex(@"(?<![A-Za-z0-9_])(?<name>QwenRag__[A-Za-z0-9_]+)(?:=(?<value>[^\s""']*))?", RegexOptions.IgnoreCase)]
    private static partial Regex Variable();

    [GeneratedRegex(@"^QwenRag__[A-Za-z0-9_]+$", RegexOptions.IgnoreCase)]
    private static partial Regex WholeVariable();
}
