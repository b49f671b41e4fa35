using System.Net;
using QwenRag.Tests;
using YamlDotNet.RepresentationModel;

namespace QwenRag.Api.Tests.Deploy;

/// <summary>
/// The compose file, Kubernetes manifests and Dockerfiles parse and hold together: names that refer to each other
/// exist, the query service is probed on paths the API serves, the model host asks for a GPU, Qdrant runs as a
/// 3-node cluster, and images run as a non-root user. No image can be built or cluster started here.
/// </summary>
public sealed class DeployManifestTests
{
    private static readonly Lazy<IReadOnlyList<(string File, YamlNode Document)>> ManifestList = new(() =>
    [
        .. Directory.EnumerateFiles(DeployFiles.Kubernetes, "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(file => Yaml.Documents(File.ReadAllText(file)).Select(document => (DeployFiles.Relative(file), document))),
    ]);

    private static IReadOnlyList<(string File, YamlNode Document)> Manifests => ManifestList.Value;

    [Fact]
    public void YamlFiles_All_Parse() =>
        Assert.All(DeployFiles.YamlFiles, file => Assert.NotEmpty(Yaml.Documents(File.ReadAllText(file))));

    [Fact]
    public void Manifests_Each_HasApiVersionKindAndName()
    {
        Assert.NotEmpty(Manifests);
        Assert.All(Manifests, manifest =>
        {
            Assert.False(string.IsNullOrWhiteSpace(manifest.Document.Get("apiVersion").Text()), $"{manifest.File}: apiVersion");
            Assert.False(string.IsNullOrWhiteSpace(manifest.Document.Get("kind").Text()), $"{manifest.File}: kind");
            Assert.False(string.IsNullOrWhiteSpace(manifest.Document.At("metadata.name").Text()), $"{manifest.File}: metadata.name");
        });
    }

    [Fact]
    public void Kustomization_ListsEveryManifestFile()
    {
        var kustomization = Assert.Single(Manifests, m => Kind(m.Document) == "Kustomization").Document;
        var listed = kustomization.Get("resources").Items().Select(item => item.Text()).ToHashSet(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(DeployFiles.Kubernetes, "*.yaml").Select(Path.GetFileName)
            .Where(name => name != "kustomization.yaml");

        Assert.All(files, file => Assert.Contains(file, listed));
    }

    [Fact]
    public async Task QueryDeployment_Probes_AnswerOnTheApi()
    {
        var query = Containers("Deployment").Where(c => Command(c.Container).FirstOrDefault() == "serve").ToList();
        Assert.NotEmpty(query);
        using var data = new TemporaryDirectory();
        await using var host = await ApiHost.StartAsync(data.Path);
        using var client = host.CreateClient();
        foreach (var (name, container) in query)
        {
            var ports = container.Get("ports").Items().SelectMany(p => new[] { p.Get("name").Text(), p.Get("containerPort").Text() }).ToHashSet();
            foreach (var probe in new[] { "readinessProbe", "livenessProbe", "startupProbe" })
            {
                var get = container.At($"{probe}.httpGet");
                if (probe == "startupProbe" && get is null)
                {
                    continue;
                }

                var path = get.Get("path").Text();
                Assert.False(string.IsNullOrEmpty(path), $"{name}: {probe} has no httpGet path");
                Assert.Contains(get.Get("port").Text(), ports);
                using var response = await client.GetAsync(path);
                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{name}: {probe} GET {path} answered {response.StatusCode}");
            }

            Assert.Equal("/health/ready", container.At("readinessProbe.httpGet.path").Text());
            Assert.Equal("/health/live", container.At("livenessProbe.httpGet.path").Text());
        }
    }

    [Fact]
    public void QueryDeployment_HasHorizontalPodAutoscaler()
    {
        var query = Workloads("Deployment").Where(d => PodContainers(d).Any(c => Command(c).FirstOrDefault() == "serve"))
            .Select(d => d.At("metadata.name").Text()).ToList();
        var autoscalers = Manifests.Where(m => Kind(m.Document) == "HorizontalPodAutoscaler").Select(m => m.Document).ToList();

        Assert.NotEmpty(query);
        Assert.All(query, name => Assert.Contains(autoscalers, hpa =>
            hpa.At("spec.scaleTargetRef.kind").Text() == "Deployment" && hpa.At("spec.scaleTargetRef.name").Text() == name
            && int.Parse(hpa.At("spec.minReplicas").Text()!, System.Globalization.CultureInfo.InvariantCulture) >= 2));
    }

    [Fact]
    public void ModelServingPods_RequestOneGpu()
    {
        var model = Containers("Deployment").Concat(Containers("StatefulSet"))
            .Where(c => Command(c.Container).Contains("--model") || (c.Container.Get("image").Text() ?? string.Empty).Contains("cuda", StringComparison.Ordinal))
            .ToList();

        Assert.NotEmpty(model);
        Assert.All(model, c =>
        {
            Assert.Equal("1", c.Container.At("resources.limits").Get("nvidia.com/gpu").Text());
            if (c.Container.At("resources.requests").Get("nvidia.com/gpu") is { } requested)
            {
                Assert.Equal("1", requested.Text());
            }

            var command = Command(c.Container);
            Assert.Equal("cuda", command.SkipWhile(arg => arg != "--device").Skip(1).FirstOrDefault());
        });
    }

    [Fact]
    public void WorkerDeployment_RunsWorkersWithoutGpu()
    {
        var workers = Containers("Deployment").Where(c => Command(c.Container).FirstOrDefault() == "worker").ToList();

        Assert.NotEmpty(workers);
        Assert.All(workers, c => Assert.Null(c.Container.At("resources.limits").Get("nvidia.com/gpu")));
    }

    [Fact]
    public void Qdrant_ThreeNodeDistributedStatefulSet()
    {
        var qdrant = Assert.Single(Workloads("StatefulSet"), s => PodContainers(s).Any(IsQdrant));
        var container = PodContainers(qdrant).Single(IsQdrant);
        var environment = container.Get("env").Items().ToDictionary(e => e.Get("name").Text()!, e => e.Get("value").Text());
        var headless = Manifests.Select(m => m.Document)
            .Single(d => Kind(d) == "Service" && d.At("metadata.name").Text() == qdrant.At("spec.serviceName").Text());

        Assert.Equal("3", qdrant.At("spec.replicas").Text());
        Assert.Equal("true", environment["QDRANT__CLUSTER__ENABLED"]);
        Assert.Equal("6335", environment["QDRANT__CLUSTER__P2P__PORT"]);
        Assert.Contains(container.Get("ports").Items(), port => port.Get("containerPort").Text() == "6335");
        Assert.Equal("None", headless.At("spec.clusterIP").Text());
        Assert.Contains("--bootstrap", string.Join(" ", Command(container)), StringComparison.Ordinal);

        static bool IsQdrant(YamlNode c) => (c.Get("image").Text() ?? string.Empty).StartsWith("qdrant/qdrant:", StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesSettings_CreateTheCollectionWithSixShardsOnTwoReplicas()
    {
        var settings = DeployFiles.Settings().Where(s => s.File.StartsWith("deploy/k8s/", StringComparison.Ordinal) && s.Value is not null).ToList();

        Assert.Contains(settings, s => s.Key == "QwenRag:Qdrant:Shards" && s.Value == "6");
        Assert.Contains(settings, s => s.Key == "QwenRag:Qdrant:ReplicationFactor" && s.Value == "2");
    }

    [Fact]
    public void Manifests_ReferencedConfigMapsSecretsAndClaims_Exist()
    {
        var defined = Manifests.Select(m => (Kind(m.Document), m.Document.At("metadata.name").Text())).ToHashSet();
        var claims = Workloads("StatefulSet").SelectMany(s => s.At("spec.volumeClaimTemplates").Items()).Select(t => t.At("metadata.name").Text()).ToHashSet();
        var references = Manifests.SelectMany(m => m.Document.Descendants()).OfType<YamlMappingNode>().SelectMany(node => new[]
        {
            ("ConfigMap", node.At("configMapRef.name").Text() ?? node.At("configMapKeyRef.name").Text()),
            ("Secret", node.At("secretRef.name").Text() ?? node.At("secretKeyRef.name").Text()),
            ("PersistentVolumeClaim", node.At("persistentVolumeClaim.claimName").Text()),
        }).Where(reference => reference.Item2 is not null).Distinct().ToList();

        Assert.NotEmpty(references);
        Assert.All(references, reference => Assert.Contains(reference, defined));
        Assert.All(Workloads("StatefulSet").Concat(Workloads("Deployment")), workload =>
        {
            var volumes = workload.At("spec.template.spec.volumes").Items().Select(v => v.Get("name").Text()).ToHashSet();
            var mounts = PodContainers(workload).SelectMany(c => c.Get("volumeMounts").Items()).Select(m => m.Get("name").Text());
            Assert.All(mounts, mount => Assert.True(volumes.Contains(mount) || claims.Contains(mount), $"{workload.At("metadata.name").Text()}: volume {mount}"));
        });
    }

    [Fact]
    public void Compose_DependsOnAndVolumes_NameWhatExists()
    {
        var compose = Assert.Single(Yaml.Documents(File.ReadAllText(DeployFiles.Compose)));
        var services = compose.Get("services").Entries().ToDictionary(e => e.Key, e => e.Value);
        var volumes = compose.Get("volumes").Entries().Select(e => e.Key).ToHashSet();

        Assert.Contains("qdrant", services.Keys);
        Assert.Contains("postgres", services.Keys);
        foreach (var (name, service) in services)
        {
            var dependsOn = service.Get("depends_on");
            var dependencies = dependsOn is YamlSequenceNode ? dependsOn.Items().Select(i => (i.Text()!, (string?)null))
                : dependsOn.Entries().Select(e => (e.Key, e.Value.Get("condition").Text()));
            foreach (var (dependency, condition) in dependencies)
            {
                Assert.True(services.ContainsKey(dependency), $"{name} depends on missing service {dependency}");
                if (condition == "service_healthy")
                {
                    var check = services[dependency].Get("healthcheck");
                    Assert.True(check?.Get("test") is not null && check.Get("disable").Text() != "true", $"{name} waits for {dependency} to be healthy, which has no health check");
                }
            }

            foreach (var volume in service.Get("volumes").Items().Select(v => v.Text()!.Split(':')[0]).Where(source => !source.StartsWith('.') && !source.StartsWith('/')))
            {
                Assert.Contains(volume, volumes);
            }

            if (service.Get("env_file").Text() is { } envFile)
            {
                Assert.True(File.Exists(Path.Combine(DeployFiles.Root, envFile + ".example")), $"{name}: {envFile}.example is not committed");
            }
        }

        Assert.Contains(services.Values, s => s.Get("command").Items().FirstOrDefault().Text() == "serve");
        Assert.Contains(services.Values, s => s.Get("command").Items().FirstOrDefault().Text() == "worker"
            && (s.At("deploy.replicas").Text() is "2" || services.Values.Count(w => w.Get("command").Items().FirstOrDefault().Text() == "worker") >= 2));
    }

    [Fact]
    public void Dockerfiles_FinalStage_RunsQwenragAsNonRootUser()
    {
        Assert.Equal(["Dockerfile", "Dockerfile.cuda"], DeployFiles.Dockerfiles.Select(Path.GetFileName));
        Assert.All(DeployFiles.Dockerfiles, file =>
        {
            // Continuation lines joined, so that an instruction is one line.
            var lines = File.ReadAllText(file).Replace("\\\n", " ", StringComparison.Ordinal).Split('\n').Select(line => line.Trim()).ToList();
            var final = lines.Skip(lines.FindLastIndex(line => line.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase))).ToList();
            var user = final.LastOrDefault(line => line.StartsWith("USER ", StringComparison.OrdinalIgnoreCase))?[5..].Trim();

            Assert.True(user is not null && user is not ("root" or "0" or "0:0"), $"{file}: final stage runs as {user ?? "root (no USER)"}");
            Assert.Contains(final, line => line.StartsWith("HEALTHCHECK ", StringComparison.Ordinal) && line.Contains("/health/", StringComparison.Ordinal));
            Assert.Contains(final, line => line == """ENTRYPOINT ["qwenrag"]""");
            Assert.Contains(final, line => line.StartsWith("EXPOSE ", StringComparison.Ordinal));
        });
    }

    [Fact]
    public void CudaDockerfile_BaseIsCuda13WithCudnn9Runtime()
    {
        var text = File.ReadAllText(Path.Combine(DeployFiles.Root, "Dockerfile.cuda"));

        Assert.Matches(@"ARG CUDA_IMAGE=nvidia/cuda:13\.\d+\.\d+-cudnn-runtime-ubuntu\d{2}\.\d{2}", text);
        Assert.Contains("FROM ${CUDA_IMAGE} AS runtime", text, StringComparison.Ordinal);
    }

    private static string? Kind(YamlNode document) => document.Get("kind").Text();

    private static IEnumerable<YamlNode> Workloads(string kind) =>
        Manifests.Select(m => m.Document).Where(d => Kind(d) == kind);

    private static IEnumerable<YamlNode> PodContainers(YamlNode workload) => workload.At("spec.template.spec.containers").Items();

    private static IEnumerable<(string Name, YamlNode Container)> Containers(string kind) =>
        Workloads(kind).SelectMany(w => PodContainers(w).Select(c => (w.At("metadata.name").Text()!, c)));

    /// <summary>The container's command line after the image's entrypoint: its args (command when it replaces the entrypoint).</summary>
    private static List<string> Command(YamlNode container) =>
        [.. container.Get("command").Items().Concat(container.Get("args").Items()).Select(i => i.Text()!)];
}
