using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster;
using AgentOperator.Manifests.Tests.Chart;
using AgentOperator.Manifests.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentOperator.Manifests.Tests.Startup;

/// <summary>
/// The operator starts from its own manifests: the <b>published</b> operator (<see cref="PublishedOperator"/>) run with
/// exactly the manager container's args and env of <c>config/default</c>, or of the chart with its default values,
/// with its ServiceAccount's in-cluster credentials against DevCluster holding the install's CRDs and RBAC. It must
/// answer /readyz, take the leader Lease and reconcile the support-refund example to Ready, as it would on a cluster.
/// </summary>
public sealed class PublishedOperatorTests(ITestOutputHelper output)
{
    private const string ReleaseNamespace = "agentoperator-system";

    // The operator's default --leader-election-id: neither install passes one.
    private const string LeaseName = "agent-operator-leader";

    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan ExampleTimeout = TimeSpan.FromSeconds(120);

    [PublishedOperatorFact]
    public Task ConfigDefault_PublishedOperator_BecomesReadyLeadsAndReconcilesTheRefundExample()
    {
        var install = Kubectl.Kustomize("config/default");
        var deployment = Assert.Single(install, o => o.Kind == "Deployment" && o.Name == "agent-operator");
        var manager = Assert.Single(deployment.At("spec.template.spec.containers")!.AsArray(), c => (string?)c!["name"] == "manager")!;
        return RunAsync(install, deployment.Namespace!, (string)deployment.At("spec.template.spec.serviceAccountName")!, Json.Strings(manager["args"]), manager["env"]?.AsArray());
    }

    [PublishedOperatorFact]
    public Task ChartDefaults_PublishedOperator_BecomesReadyLeadsAndReconcilesTheRefundExample()
    {
        var values = Yaml.Parse(Repository.Read($"{ChartTemplates.ChartDirectory}/values.yaml"));
        var manager = ChartTemplates.RenderManagerArgsAndEnv(values);

        // The documented install (release agent-operator in agentoperator-system) names its ServiceAccount, roles and
        // bindings as config/default does (_helpers.tpl), and ChartTests holds the chart's RBAC rules to config/rbac's:
        // so the identity applied is config/default's, the container the chart's.
        Assert.True((bool?)values["serviceAccount"]?["create"]);
        Assert.Equal("", (string?)values["serviceAccount"]?["name"]);
        return RunAsync(Kubectl.Kustomize("config/default"), ReleaseNamespace, "agent-operator", Json.Strings(manager["args"]), manager["env"]?.AsArray());
    }

    private async Task RunAsync(IReadOnlyList<KubeObject> install, string ns, string serviceAccount, IReadOnlyList<string> renderedArgs, JsonArray? renderedEnv)
    {
        var clock = Stopwatch.StartNew();
        PublishedOperator.Prepare();
        output.WriteLine($"published operator ready in {clock.Elapsed.TotalSeconds:F1} s");

        await using var cluster = await DevClusterServer.StartAsync(new DevClusterOptions { PublishRootCaConfigMap = true });
        var kubeconfig = Path.Combine(Path.GetTempPath(), $"published-operator-{Guid.NewGuid():N}.kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        try
        {
            string Kube(params string[] arguments) => Kubectl.Run(["--kubeconfig", kubeconfig, .. arguments]);

            // The install's CRDs and identity, as `kubectl apply -k config/default` creates them (not the Deployment:
            // this test is its pod).
            Create(Kube, install.Where(o => o.Kind is "Namespace" or "CustomResourceDefinition" or "ServiceAccount" or "ClusterRole" or "ClusterRoleBinding" or "Role" or "RoleBinding"));
            foreach (var crd in install.Where(o => o.Kind == "CustomResourceDefinition"))
            {
                await UntilAsync(() => Kube("get", "crd", crd.Name, "-o", "jsonpath={.status.conditions[?(@.type==\"Established\")].status}") == "True", TimeSpan.FromSeconds(30), $"CRD {crd.Name} established", () => "");
            }

            var pod = new PodIdentity(
                "agent-operator-6d4cf56db6-x7k2p",
                ns,
                Kube("create", "token", serviceAccount, "-n", ns, "--duration=1h").Trim(),
                cluster.CertificateAuthorityPem);
            var env = ResolveEnv(renderedEnv, pod, serviceAccount);
            var (args, rewritten) = ManifestPorts.FreeOrRewrite(renderedArgs);
            output.WriteLine($"args: {string.Join(' ', args)}");
            output.WriteLine($"env: {string.Join(' ', env.Select(e => $"{e.Key}={e.Value}"))}");
            foreach (var change in rewritten)
            {
                output.WriteLine($"port rewritten: {change}");
            }

            clock.Restart();
            await using var op = PublishedOperator.Start(args, env, pod, cluster.BaseAddress);
            try
            {
                using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
                var readyz = new Uri($"http://127.0.0.1:{ManifestPorts.Of(args, "--health-port").ToString(CultureInfo.InvariantCulture)}/readyz");
                await UntilAsync(async () => await IsOkAsync(http, readyz), StartupTimeout, $"{readyz} answers 200", () => op.Output, op);
                output.WriteLine($"/readyz 200 after {clock.Elapsed.TotalSeconds:F1} s");

                var holder = "";
                await UntilAsync(() => (holder = TryKube(Kube, "get", "lease", LeaseName, "-n", ns, "-o", "jsonpath={.spec.holderIdentity}")).StartsWith(pod.Name + "_", StringComparison.Ordinal),
                    StartupTimeout, $"Lease {ns}/{LeaseName} held by {pod.Name}_*", () => $"holder '{holder}'\n{op.Output}", op);
                output.WriteLine($"Lease {ns}/{LeaseName} held by {holder} after {clock.Elapsed.TotalSeconds:F1} s");

                ApplyRefundExample(Kube);
                var status = "";
                await UntilAsync(() => IsReady(status = TryKube(Kube, "get", "agentworkflow", "support-refund", "-n", "support", "-o", "json")),
                    ExampleTimeout, "AgentWorkflow support/support-refund Ready", () => $"{status}\n{op.Output}", op);
                output.WriteLine($"support-refund Ready after {clock.Elapsed.TotalSeconds:F1} s");
                Assert.False(op.HasExited, op.Output);
            }
            finally
            {
                output.WriteLine("--- operator output (last 40 lines) ---");
                foreach (var line in op.Output.Split('\n').TakeLast(40))
                {
                    output.WriteLine(line);
                }
            }
        }
        finally
        {
            File.Delete(kubeconfig);
        }
    }

    /// <summary>The container's env as the kubelet sets it: values as written, fieldRefs from the pod.</summary>
    private static List<KeyValuePair<string, string>> ResolveEnv(JsonArray? env, PodIdentity pod, string serviceAccount)
    {
        var resolved = new List<KeyValuePair<string, string>>();
        foreach (var variable in env ?? [])
        {
            var name = (string)variable!["name"]!;
            if (variable["valueFrom"] is not { } from)
            {
                resolved.Add(KeyValuePair.Create(name, (string?)variable["value"] ?? ""));
                continue;
            }

            var field = (string?)from["fieldRef"]?["fieldPath"]
                ?? throw new NotSupportedException($"env {name}: only fieldRef is resolved here, not {from.ToJsonString()}");
            resolved.Add(KeyValuePair.Create(name, field switch
            {
                "metadata.name" => pod.Name,
                "metadata.namespace" => pod.Namespace,
                "spec.serviceAccountName" => serviceAccount,
                "status.podIP" or "status.hostIP" => "127.0.0.1",
                _ => throw new NotSupportedException($"env {name}: fieldRef {field} is not resolved here"),
            }));
        }

        return resolved;
    }

    /// <summary>The example's namespace, every AgentTool, the support-refund workflow, and the Secrets they name (dummy values).</summary>
    private static void ApplyRefundExample(Func<string[], string> kube)
    {
        var examples = Kubectl.Kustomize("examples");
        var objects = examples.Where(o => o.Kind is "Namespace" or "AgentTool" || (o.Kind == "AgentWorkflow" && o.Name == "support-refund")).ToList();
        Assert.Contains(objects, o => o.Kind == "AgentWorkflow");
        Create(kube, objects.Where(o => o.Kind == "Namespace"));
        foreach (var secret in objects.SelectMany(o => SecretRefs(o.Body)).Distinct().GroupBy(r => r.Name))
        {
            kube(["create", "secret", "generic", secret.Key, "-n", "support", .. secret.Select(r => $"--from-literal={r.Key}=not-a-real-credential")]);
        }

        Create(kube, objects.Where(o => o.Kind != "Namespace"));
    }

    private static IEnumerable<(string Name, string Key)> SecretRefs(JsonNode? node) => node switch
    {
        JsonObject obj => obj.SelectMany(p => p.Key is "secretRef" or "credentialsSecretRef" && p.Value?["name"] is not null && p.Value["key"] is not null
            ? [((string)p.Value["name"]!, (string)p.Value["key"]!)]
            : SecretRefs(p.Value)),
        JsonArray array => array.SelectMany(SecretRefs),
        _ => [],
    };

    private static void Create(Func<string[], string> kube, IEnumerable<KubeObject> objects)
    {
        var file = Path.Combine(Path.GetTempPath(), $"published-operator-{Guid.NewGuid():N}.yaml");
        try
        {
            // One v1 List: kubectl reads a JSON file as one document, not a "---" stream.
            var list = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "List", ["items"] = new JsonArray([.. objects.Select(o => o.Body.DeepClone())]) };
            File.WriteAllText(file, list.ToJsonString());
            kube(["create", "-f", file]);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static bool IsReady(string json)
    {
        if (json.Length == 0 || JsonNode.Parse(json) is not JsonObject workflow)
        {
            return false;
        }

        var ready = workflow["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c!["type"] == "Ready");
        return (string?)ready?["status"] == "True" && (string?)workflow["status"]?["phase"] == "Ready"
            && (long?)workflow["status"]?["observedGeneration"] == (long?)workflow["metadata"]?["generation"];
    }

    private static string TryKube(Func<string[], string> kube, params string[] arguments)
    {
        try
        {
            return kube(arguments).Trim();
        }
        catch (InvalidOperationException)
        {
            return ""; // not there yet
        }
    }

    private static async Task<bool> IsOkAsync(HttpClient http, Uri uri)
    {
        try
        {
            using var response = await http.GetAsync(uri);
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
        catch (TaskCanceledException)
        {
            return false;
        }
    }

    private static Task UntilAsync(Func<bool> condition, TimeSpan timeout, string what, Func<string> context, PublishedOperator? op = null) =>
        UntilAsync(() => Task.FromResult(condition()), timeout, what, context, op);

    private static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string> context, PublishedOperator? op = null)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            if (op is { HasExited: true })
            {
                Assert.Fail($"the operator exited before {what}:\n{context()}");
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"within {timeout.TotalSeconds} s, expected {what}; last seen:\n{context()}");
            }

            await Task.Delay(200);
        }
    }
}
