using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Kubectl;

/// <summary>
/// Drives the real kubectl binary: everything it does here it does against kube-apiserver the same way
/// (discovery, Table output, OpenAPI for explain, the patch types, server-side apply, cascading deletion).
/// </summary>
public sealed class KubectlConformanceTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    private const string DeploymentYaml = """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          labels: {app: web}
        spec:
          replicas: 2
          selector:
            matchLabels: {app: web}
          template:
            metadata:
              labels: {app: web}
            spec:
              containers:
              - name: nginx
                image: nginx:1.27
                env:
                - {name: A, value: "1"}
        """;

    [Fact]
    public async Task Client_side_apply_creates_then_is_unchanged_then_configures()
    {
        var ns = await cluster.CreateNamespaceAsync();
        Assert.Contains("deployment.apps/web created", await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml));
        Assert.Contains("deployment.apps/web unchanged", await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml));
        Assert.Contains("deployment.apps/web configured", await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml.Replace("nginx:1.27", "nginx:1.28", StringComparison.Ordinal)));

        var json = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o json"))!;
        Assert.Equal("nginx:1.28", (string?)json["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
        Assert.Equal(2, (int?)json["metadata"]!["generation"]);
        Assert.NotNull(json["metadata"]!["annotations"]!["kubectl.kubernetes.io/last-applied-configuration"]);
    }

    [Fact]
    public async Task Get_o_yaml_shows_the_server_set_metadata()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);
        var yaml = await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o yaml");
        Assert.Contains("uid: ", yaml);
        Assert.Contains("resourceVersion: ", yaml);
        Assert.Contains("creationTimestamp: ", yaml);
        Assert.Contains("generation: 1", yaml);
    }

    [Fact]
    public async Task Get_prints_the_table_columns_the_server_defines()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);
        var output = await cluster.Kubectl.SucceedAsync($"get deployments -n {ns}");
        var header = output.Split('\n')[0];
        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE"], header.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var wide = (await cluster.Kubectl.SucceedAsync($"get deployments -n {ns} -o wide")).Split('\n')[0];
        Assert.Equal(["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS", "IMAGES", "SELECTOR"], wide.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("web", output);

        var json = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get configmaps,deployments -n {ns} -o json"))!;
        Assert.Equal("List", (string?)json["kind"]);
    }

    [Fact]
    public async Task Wait_for_condition_Available_succeeds_once_the_simulated_pods_are_ready()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);
        var wait = await cluster.Kubectl.RunAsync($"wait -n {ns} --for=condition=Available deployment/web --timeout=20s", timeout: TimeSpan.FromSeconds(30));
        Assert.True(wait.ExitCode == 0, wait.ToString());
        Assert.Contains("condition met", wait.Stdout);
        var rollout = await cluster.Kubectl.RunAsync($"rollout status -n {ns} deployment/web --timeout=20s", timeout: TimeSpan.FromSeconds(30));
        Assert.True(rollout.ExitCode == 0, rollout.ToString());
        Assert.Contains("successfully rolled out", rollout.Stdout);
        var pods = await cluster.Kubectl.SucceedAsync($"get pods -n {ns} -l app=web --no-headers");
        Assert.Equal(2, pods.Split('\n', StringSplitOptions.RemoveEmptyEntries).Count(l => l.Contains("1/1", StringComparison.Ordinal) && l.Contains("Running", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Describe_shows_a_deployment_with_its_replica_sets()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);
        await cluster.Kubectl.SucceedAsync($"wait -n {ns} --for=condition=Available deployment/web --timeout=20s");
        var describe = await cluster.Kubectl.SucceedAsync($"describe deployment web -n {ns}");
        Assert.Contains("Name:", describe);
        Assert.Contains("Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable", describe);
        Assert.Contains("NewReplicaSet:", describe);
        Assert.Contains("ScalingReplicaSet", describe);
        Assert.Contains("Scaled up replica set web-", describe);

        var pod = (await cluster.Kubectl.SucceedAsync($"get pods -n {ns} -l app=web -o name")).Split('\n')[0].Trim();
        var describePod = await cluster.Kubectl.SucceedAsync($"describe {pod} -n {ns}");
        Assert.Contains("Status:           Running", describePod);
        Assert.Contains($"Successfully assigned {ns}/", describePod);
    }

    [Fact]
    public async Task Patch_merge_json_and_strategic_change_what_each_type_says()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);

        await cluster.Kubectl.SucceedAsync($"patch deployment web -n {ns} --type strategic -p '{{\"spec\":{{\"template\":{{\"spec\":{{\"containers\":[{{\"name\":\"nginx\",\"env\":[{{\"name\":\"B\",\"value\":\"2\"}}]}}]}}}}}}}}'");
        Assert.Equal("A B", (await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o jsonpath={{.spec.template.spec.containers[0].env[*].name}}")).Trim());

        await cluster.Kubectl.SucceedAsync($"patch deployment web -n {ns} --type json -p '[{{\"op\":\"replace\",\"path\":\"/spec/replicas\",\"value\":3}}]'");
        Assert.Equal("3", (await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o jsonpath={{.spec.replicas}}")).Trim());

        var merge = await cluster.Kubectl.SucceedAsync($"patch deployment web -n {ns} --type merge -p '{{\"metadata\":{{\"labels\":{{\"tier\":\"front\"}}}}}}'");
        Assert.Contains("deployment.apps/web patched", merge);
        Assert.Equal("front", (await cluster.Kubectl.SucceedAsync($"get deployment web -n {ns} -o jsonpath={{.metadata.labels.tier}}")).Trim());
    }

    [Fact]
    public async Task Apply_server_side_reports_a_conflict_with_another_manager_until_forced()
    {
        var ns = await cluster.CreateNamespaceAsync();
        const string cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {a: \"1\"}\n";
        Assert.Contains("serverside-applied", await cluster.Kubectl.SucceedAsync($"apply --server-side -n {ns} -f -", cm));
        await cluster.Kubectl.SucceedAsync($"patch configmap cfg -n {ns} --type merge -p '{{\"data\":{{\"a\":\"2\"}}}}'");

        var conflict = await cluster.Kubectl.RunAsync($"apply --server-side -n {ns} -f -", cm);
        Assert.NotEqual(0, conflict.ExitCode);
        Assert.Contains("Apply failed with 1 conflict: conflict with \"kubectl-patch\" using v1: .data.a", conflict.Stderr);

        await cluster.Kubectl.SucceedAsync($"apply --server-side --force-conflicts -n {ns} -f -", cm);
        Assert.Equal("1", (await cluster.Kubectl.SucceedAsync($"get configmap cfg -n {ns} -o jsonpath={{.data.a}}")).Trim());
    }

    [Theory]
    [InlineData("background", false)]
    [InlineData("foreground", false)]
    [InlineData("orphan", true)]
    public async Task Delete_cascade_removes_or_orphans_the_replica_sets(string cascade, bool replicaSetsSurvive)
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", DeploymentYaml);
        await cluster.Kubectl.SucceedAsync($"wait -n {ns} --for=condition=Available deployment/web --timeout=20s");

        var deleted = await cluster.Kubectl.RunAsync($"delete deployment web -n {ns} --cascade={cascade} --timeout=20s", timeout: TimeSpan.FromSeconds(30));
        Assert.True(deleted.ExitCode == 0, deleted.ToString());
        Assert.Contains("deployment.apps \"web\" deleted", deleted.Stdout);

        var remaining = await Eventually.MatchAsync(
            async () => (await cluster.Kubectl.SucceedAsync($"get replicasets -n {ns} --no-headers -o name")).Trim(),
            names => replicaSetsSurvive ? names.Length > 0 : names.Length == 0,
            $"replica sets after --cascade={cascade}");
        if (replicaSetsSurvive)
        {
            var owners = await cluster.Kubectl.SucceedAsync($"get replicasets -n {ns} -o jsonpath={{.items[*].metadata.ownerReferences}}");
            Assert.True(owners.Trim().Length == 0, $"orphaned replica sets still have owners: {owners}; {remaining}");
        }
    }

    [Fact]
    public async Task Get_watch_streams_a_change_made_while_it_runs()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create namespace {ns}-unused --dry-run=client -o name");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n");
        var before = cluster.Server.OpenWatchCount;
        var watching = cluster.Kubectl.RunAsync($"get configmaps -n {ns} -w --request-timeout=6s", timeout: TimeSpan.FromSeconds(20));
        await Eventually.MatchAsync(() => Task.FromResult(cluster.Server.OpenWatchCount), n => n > before, "kubectl's watch to be open");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: second}\n");

        var result = await watching;
        Assert.Contains("first", result.Stdout);
        Assert.Contains("second", result.Stdout);
    }

    [Fact]
    public async Task Auth_can_i_and_api_resources_use_discovery()
    {
        var resources = await cluster.Kubectl.SucceedAsync("api-resources --api-group=apps -o name");
        Assert.Contains("deployments.apps", resources);
        var versions = await cluster.Kubectl.SucceedAsync("api-versions");
        Assert.Contains("apps/v1", versions);
        Assert.Contains("events.k8s.io/v1", versions);
    }

    [Fact]
    public async Task Create_generators_token_and_auth_can_i_work_through_protobuf_bodies()
    {
        var ns = $"gen-{Guid.NewGuid().ToString("N")[..6]}";
        Assert.Contains($"namespace/{ns} created", await cluster.Kubectl.SucceedAsync($"create namespace {ns}"));
        Assert.Contains("configmap/c1 created", await cluster.Kubectl.SucceedAsync($"create configmap c1 -n {ns} --from-literal=a=1"));
        Assert.Contains("secret/s1 created", await cluster.Kubectl.SucceedAsync($"create secret generic s1 -n {ns} --from-literal=p=secret"));
        Assert.Contains("serviceaccount/bot created", await cluster.Kubectl.SucceedAsync($"create serviceaccount bot -n {ns}"));
        Assert.Equal("Opaque", (await cluster.Kubectl.SucceedAsync($"get secret s1 -n {ns} -o jsonpath={{.type}}")).Trim());
        Assert.Equal("1", (await cluster.Kubectl.SucceedAsync($"get configmap c1 -n {ns} -o jsonpath={{.data.a}}")).Trim());

        var token = (await cluster.Kubectl.SucceedAsync($"create token bot -n {ns} --audience gateway --duration 20m")).Trim();
        Assert.Equal(3, token.Split('.').Length);

        Assert.Equal("yes", (await cluster.Kubectl.SucceedAsync($"auth can-i delete pods -n {ns}")).Trim());
        var asBot = await cluster.Kubectl.RunAsync($"auth can-i delete pods -n {ns} --as system:serviceaccount:{ns}:bot");
        Assert.Equal("no", asBot.Stdout.Trim());
    }

    [Fact]
    public async Task Secrets_from_literals_and_from_applied_stringData_are_stored_as_base64_data()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create secret generic lit -n {ns} --from-literal=password=s3cr3t");
        Assert.Equal("s3cr3t", FromBase64((await cluster.Kubectl.SucceedAsync($"get secret lit -n {ns} -o jsonpath={{.data.password}}")).Trim()));

        const string secretYaml = """
            apiVersion: v1
            kind: Secret
            metadata:
              name: applied
            stringData:
              user: alice
              password: one
            """;
        Assert.Contains("secret/applied created", await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", secretYaml));
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", secretYaml.Replace("password: one", "password: two", StringComparison.Ordinal));

        var json = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get secret applied -n {ns} -o json"))!;
        Assert.Null(json["stringData"]);
        Assert.Equal("alice", FromBase64((string?)json["data"]!["user"]));
        Assert.Equal("two", FromBase64((string?)json["data"]!["password"]));

        var serverSide = await cluster.Kubectl.SucceedAsync($"apply --server-side -n {ns} -f -", secretYaml.Replace("name: applied", "name: ssa", StringComparison.Ordinal));
        Assert.Contains("secret/ssa serverside-applied", serverSide);
        Assert.Equal("one", FromBase64((await cluster.Kubectl.SucceedAsync($"get secret ssa -n {ns} -o jsonpath={{.data.password}}")).Trim()));
    }

    private static string FromBase64(string? base64) => System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(base64 ?? ""));
}
