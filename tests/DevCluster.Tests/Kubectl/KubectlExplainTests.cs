using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Kubectl;

/// <summary>
/// OpenAPI v3 documents for the built-in kinds (/openapi/v3, /openapi/v3/api/v1, /openapi/v3/apis/GROUP/VERSION),
/// generated from KubernetesClient's model types, as the real <c>kubectl explain</c> reads them; and client-side
/// apply of built-in kinds still merging lists by key (kubectl's compiled-in patch metadata).
/// </summary>
public sealed class KubectlExplainTests(QuietClusterFixture cluster) : IClassFixture<QuietClusterFixture>
{
    [Fact]
    public async Task Explain_deployment_spec_prints_its_fields_with_types_and_descriptions()
    {
        var output = await cluster.Kubectl.SucceedAsync("explain deployment.spec");

        Assert.Contains("GROUP:      apps", output);
        Assert.Contains("KIND:       Deployment", output);
        Assert.Contains("FIELD: spec <DeploymentSpec>", output);
        Assert.Contains("replicas\t<integer>", output);
        Assert.Contains("template\t<PodTemplateSpec>", output);
        Assert.Contains("Number of desired pods.", output);
    }

    [Theory]
    [InlineData("pods.spec.containers.image", "FIELD: image <string>")]
    [InlineData("cronjob.spec.schedule", "KIND:       CronJob")]
    [InlineData("statefulset.spec.volumeClaimTemplates", "FIELD: volumeClaimTemplates <[]PersistentVolumeClaim>")]
    [InlineData("configmap.data", "FIELD: data <map[string]string>")]
    [InlineData("deployment.metadata.creationTimestamp", "FIELD: creationTimestamp <string>")]
    public async Task Explain_works_for_core_and_group_kinds_and_nested_fields(string path, string expected)
    {
        var output = await cluster.Kubectl.SucceedAsync($"explain {path}");
        Assert.Contains(expected, output);
    }

    [Fact]
    public async Task The_v3_index_lists_core_and_group_versions_with_their_documents()
    {
        var index = JsonNode.Parse(await cluster.Http.GetStringAsync("openapi/v3"))!;
        var core = (string?)index["paths"]!["api/v1"]!["serverRelativeURL"];
        Assert.StartsWith("/openapi/v3/api/v1?hash=", core);
        Assert.NotNull(index["paths"]!["apis/apps/v1"]);

        var document = JsonNode.Parse(await cluster.Http.GetStringAsync(core!.TrimStart('/')))!;
        var pod = document["components"]!["schemas"]!["io.k8s.api.core.v1.Pod"]!;
        Assert.Equal("Pod", (string?)pod["x-kubernetes-group-version-kind"]![0]!["kind"]);
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.PodSpec", (string?)pod["properties"]!["spec"]!["allOf"]![0]!["$ref"]);
    }

    [Fact]
    public async Task Client_side_apply_of_a_deployment_still_merges_containers_by_name()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string Manifest = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              selector: {matchLabels: {app: web}}
              template:
                metadata: {labels: {app: web}}
                spec:
                  containers:
                  - {name: a, image: "nginx:1"}
                  - {name: b, image: "busybox:1"}
            """;
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Manifest);
        await cluster.Kubectl.SucceedAsync($"set env deployment/web -n {ns} -c b MODE=live");

        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", Manifest.Replace("nginx:1", "nginx:2", StringComparison.Ordinal));

        var live = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o json"))!;
        var containers = live["spec"]!["template"]!["spec"]!["containers"]!.AsArray();
        Assert.Equal("nginx:2", (string?)containers[0]!["image"]);
        Assert.Equal("live", (string?)containers[1]!["env"]![0]!["value"]); // a strategic merge keeps what kubectl set env added
    }
}
