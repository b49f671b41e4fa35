namespace QwenRag.Api.Tests.Deploy;

/// <summary>The repository's <c>deploy/</c> folder, found by walking up from the test binaries.</summary>
internal static class DeployFiles
{
    private static readonly Lazy<string> RootPath = new(Locate);

    public static string Root => RootPath.Value;

    public static string Compose => Path.Combine(Root, "compose.yaml");

    public static string Kubernetes => Path.Combine(Root, "k8s");

    /// <summary>Every YAML file under deploy/ (compose and manifests), samples excluded.</summary>
    public static IReadOnlyList<string> YamlFiles =>
        [.. Files().Where(file => Path.GetExtension(file) is ".yaml" or ".yml")];

    /// <summary>The Dockerfiles (<c>Dockerfile</c>, <c>Dockerfile.cuda</c>), not their ignore files.</summary>
    public static IReadOnlyList<string> Dockerfiles =>
        [.. Files().Where(file => Path.GetFileName(file).StartsWith("Dockerfile", StringComparison.Ordinal) && !file.EndsWith(".dockerignore", StringComparison.Ordinal))];

    /// <summary>Env files (<c>.env.example</c>); a real <c>.env</c> is never committed.</summary>
    public static IReadOnlyList<string> EnvFiles =>
        [.. Files().Where(file => Path.GetFileName(file).StartsWith(".env", StringComparison.Ordinal))];

    public static string Relative(string file) => Path.GetRelativePath(Path.GetDirectoryName(Root)!, file).Replace('\\', '/');

    /// <summary>Every configuration key that a deploy file names.</summary>
    public static IReadOnlyList<DeploySetting> Settings() =>
    [
        .. YamlFiles.SelectMany(file => DeploySettings.FromYaml(Relative(file), File.ReadAllText(file))),
        .. Dockerfiles.Concat(EnvFiles).SelectMany(file => DeploySettings.FromText(Relative(file), File.ReadAllText(file))),
    ];

    private static IEnumerable<string> Files()
    {
        var samples = Path.Combine(Root, "samples") + Path.DirectorySeparatorChar;
        return Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories)
            .Where(file => !file.StartsWith(samples, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
    }

    private static string Locate()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "QwenRag.sln")) && Directory.Exists(Path.Combine(directory.FullName, "deploy")))
            {
                return Path.Combine(directory.FullName, "deploy");
            }
        }

        throw new DirectoryNotFoundException($"The repository's deploy/ folder was not found above {AppContext.BaseDirectory}.");
    }
}
