using System.Collections.Frozen;

namespace QwenRag.Api.AdminConsole;

/// <summary>The console's files, read once from this assembly's embedded resources (<c>AdminConsole/wwwroot/*</c>).</summary>
public static class ConsoleAssets
{
    private const string Prefix = "QwenRag.Api.AdminConsole.wwwroot.";

    private static readonly Lazy<FrozenDictionary<string, ConsoleAsset>> Assets = new(Load);

    public static IReadOnlyCollection<string> Names => Assets.Value.Keys;

    public static ConsoleAsset? Find(string name) => Assets.Value.GetValueOrDefault(name);

    private static FrozenDictionary<string, ConsoleAsset> Load()
    {
        var assembly = typeof(ConsoleAssets).Assembly;
        var assets = new Dictionary<string, ConsoleAsset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(name => name.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..];
            var contentType = ContentTypeOf(name);
            if (contentType is null)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var memory = new MemoryStream();
            stream.CopyTo(memory);
            assets[name] = new ConsoleAsset(name, contentType, memory.ToArray());
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string? ContentTypeOf(string name) => System.IO.Path.GetExtension(name) switch
    {
        ".html" => "text/html; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => null,
    };
}
