namespace QwenRag.Api.Tests.Deploy;

/// <summary>
/// Every configuration key that deploy/ sets (compose, Kubernetes manifests, the env file, Dockerfiles) is one the
/// service binds, so a misspelt or renamed key fails here instead of being silently ignored in production.
/// </summary>
public sealed class DeployConfigurationTests
{
    [Fact]
    public void DeploySettings_EveryKey_IsBoundByTheService()
    {
        var unbound = DeployFiles.Settings()
            .Where(setting => !BoundConfigurationKeys.IsBound(setting.Key))
            .Select(setting => $"{setting.File}: {setting.Key}")
            .Distinct()
            .ToList();

        Assert.True(unbound.Count == 0, "Keys no options class binds:\n" + string.Join("\n", unbound));
    }

    [Theory]
    [InlineData("deploy/compose.yaml")]
    [InlineData("deploy/.env.example")]
    [InlineData("deploy/Dockerfile.cuda")]
    [InlineData("deploy/k8s/configmap.yaml")]
    [InlineData("deploy/k8s/secret.yaml")]
    [InlineData("deploy/k8s/query.yaml")]
    [InlineData("deploy/k8s/worker.yaml")]
    public void DeploySettings_EachConfiguringFile_HasSettingsFound(string file) =>
        Assert.Contains(DeployFiles.Settings(), setting => setting.File == file);

    [Fact]
    public void BoundKeys_FromTheOptionsClasses_IncludeNestedListsAndRecords()
    {
        string[] expected =
        [
            "QwenRag:DataDirectory", "QwenRag:ModelDirectory", "QwenRag:Qdrant:Url", "QwenRag:Qdrant:Shards",
            "QwenRag:Qdrant:ReplicationFactor", "QwenRag:Auth:Keys:0:Key", "QwenRag:Auth:Keys:3:Role", "QwenRag:Auth:Keys:0:Sets:2",
            "QwenRag:Worker:LeaseDuration", "QwenRag:Ingestion:Extraction:MaxPages", "QwenRag:Compute:EmbeddingThreads",
            "QwenRag:Chat:Endpoint", "QwenRag:Generation:Device", "QwenRag:Api:MaxUploadBytes", "qwenrag:qdrant:apikey",
        ];

        Assert.All(expected, key => Assert.True(BoundConfigurationKeys.IsBound(key), $"{key} not among {string.Join(", ", BoundConfigurationKeys.Patterns)}"));
        Assert.False(BoundConfigurationKeys.IsBound("QwenRag:Auth:Enabled"));
        Assert.False(BoundConfigurationKeys.IsBound("QwenRag:Qdrant:Enabled"));
        Assert.False(BoundConfigurationKeys.IsBound("QwenRag:Auth:Keys"));
    }

    [Fact]
    public void Settings_MisspelledKeyInYaml_IsReported()
    {
        const string Yaml = """
            services:
              query:
                environment:
                  QwenRag__Qdrant__Ulr: http://qdrant:6334
                  QwenRag__Qdrant__Url: http://qdrant:6334
              worker:
                environment:
                  - QwenRag__Worker__LeaseDuraton=00:00:30
            ---
            apiVersion: v1
            kind: Pod
            metadata:
              name: p
            spec:
              containers:
                - name: c
                  env:
                    - name: QwenRag__Api__MaxUploadByte
                      value: "1"
            """;

        var unbound = DeploySettings.FromYaml("synthetic.yaml", Yaml)
            .Where(setting => !BoundConfigurationKeys.IsBound(setting.Key))
            .Select(setting => setting.Key)
            .Distinct()
            .Order(StringComparer.Ordinal);

        Assert.Equal(["QwenRag:Api:MaxUploadByte", "QwenRag:Qdrant:Ulr", "QwenRag:Worker:LeaseDuraton"], unbound);
    }

    [Fact]
    public void Settings_MisspelledKeyInEnvFileOrComment_IsReported()
    {
        const string Text = """
            QwenRag__Auth__Keys__0__Key=change-me
            # QwenRag__Telemetry__OtlpEndpiont=http://collector:4317
            ENV QwenRag__Generation__Devce=cuda
            """;

        var unbound = DeploySettings.FromText("synthetic.env", Text)
            .Where(setting => !BoundConfigurationKeys.IsBound(setting.Key))
            .Select(setting => setting.Key);

        Assert.Equal(["QwenRag:Telemetry:OtlpEndpiont", "QwenRag:Generation:Devce"], unbound);
    }

    [Fact]
    public void Settings_EnvironmentForms_BecomeKeysWithValues()
    {
        const string Yaml = """
            data:
              QwenRag__Qdrant__Shards: "6"
            env:
              - name: QwenRag__Qdrant__ReplicationFactor
                value: "2"
            environment:
              - QwenRag__Qdrant__Alias=docs
            """;

        var settings = DeploySettings.FromYaml("synthetic.yaml", Yaml).Where(setting => setting.Value is not null).ToList();

        Assert.Contains(new DeploySetting("synthetic.yaml", "QwenRag:Qdrant:Shards", "6"), settings);
        Assert.Contains(new DeploySetting("synthetic.yaml", "QwenRag:Qdrant:ReplicationFactor", "2"), settings);
        Assert.Contains(new DeploySetting("synthetic.yaml", "QwenRag:Qdrant:Alias", "docs"), settings);
    }
}
