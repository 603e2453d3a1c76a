using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using AgentOperator.AuditCollector.Hosting;
using AgentOperator.Contracts;
using AgentOperator.DevCluster;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Policy.Bundles;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Benchmarks;

/// <summary>
/// The durable audit path: the same write tool call through a gateway that keeps its audit in the pod only and through one
/// that ships to the real audit collector and answers only after the collector fsynced the record; prints both latency
/// rows and the added latency per percentile. Then reads (answered without waiting) at the same concurrency, and the
/// records per second the collector stored until the gateway's buffer was empty. The collector runs as config/collector's
/// ServiceAccount and authenticates the gateway's pod-bound token through DevCluster's TokenReview, as in a cluster.
/// </summary>
internal static class AuditLoadRun
{
    private const string Namespace = "bench";
    private const string Workflow = "support-refund";
    private const string GatewayAccount = "support-refund-bench00001";
    private const string Pod = "support-refund-bench00001-0";
    private const string Ticket = """{"subject":"refund A-12345 approved"}""";

    public static async Task RunAsync(int requests, int concurrency, TextWriter output, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("audit-bench").FullName;
        try
        {
            await using var cluster = await DevClusterServer.StartAsync(new DevClusterOptions { SimulateWorkloads = false }, cancellationToken);
            using var admin = new Kubernetes(cluster.CreateClientConfiguration());
            using var collectorClient = new Kubernetes(cluster.CreateClientConfiguration(await CollectorTokenAsync(cluster, admin, directory, cancellationToken)));
            var tokenPath = Path.Combine(directory, "audit-token");
            await File.WriteAllTextAsync(tokenPath, await GatewayTokenAsync(admin, cancellationToken), cancellationToken);

            await using var upstream = await GatewayLoadRun.StartUpstreamAsync(cancellationToken);
            var bundlePath = Path.Combine(directory, "bundle.json");
            await File.WriteAllTextAsync(bundlePath, PolicyBundleJson.Serialize(GatewayLoadRun.Bundle(upstream.Urls.First())), cancellationToken);
            await using var collector = await CollectorHost.StartAsync(new CollectorOptions
            {
                DataDirectory = Path.Combine(directory, "store"),
                SigningKeyPath = Path.Combine(directory, "store", "keys", "checkpoint.pem"),
                Port = 0,
                BindAddress = "127.0.0.1",
                ForwardTo = () => Stream.Null,
            }, collectorClient, cancellationToken: cancellationToken);

            GatewayOptions Options(string name) => new()
            {
                BundlePath = bundlePath,
                AuditPath = Path.Combine(directory, name, "audit.jsonl"),
                MetricsBindAddress = "127.0.0.1",
            };
            await using var local = await GatewayHost.StartAsync(Options("local"), loggerFactory: NullLoggerFactory.Instance, cancellationToken: cancellationToken);
            await using var shipping = await GatewayHost.StartAsync(Options("shipping") with
            {
                AuditCollector = collector.Address,
                AuditTokenPath = tokenPath,
                AuditAcknowledgementTimeout = TimeSpan.FromSeconds(10),
            }, loggerFactory: NullLoggerFactory.Instance, cancellationToken: cancellationToken);

            using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(concurrency, 1) });
            using var localRuns = new GatewayLoadRun.RunPool(http, local.AgentAddress, "tickets.create");
            using var shippingRuns = new GatewayLoadRun.RunPool(http, shipping.AgentAddress, "tickets.create");
            using var readRuns = new GatewayLoadRun.RunPool(http, shipping.AgentAddress, "orders.lookup");
            async Task LocalWrite() => await SendAsync(http, await localRuns.NextAsync(cancellationToken), "create", Ticket, cancellationToken);
            async Task DurableWrite() => await SendAsync(http, await shippingRuns.NextAsync(cancellationToken), "create", Ticket, cancellationToken);
            async Task ShippedRead() => await SendAsync(http, await readRuns.NextAsync(cancellationToken), "read", GatewayLoadRun.Input, cancellationToken);

            await GatewayLoadRun.MeasureAsync(LocalWrite, Math.Min(1000, requests), concurrency);
            await GatewayLoadRun.MeasureAsync(DurableWrite, Math.Min(1000, requests), concurrency);
            var pod = await GatewayLoadRun.MeasureAsync(LocalWrite, requests, concurrency);
            var durable = await GatewayLoadRun.MeasureAsync(DurableWrite, requests, concurrency);

            // Reads do not wait for the acknowledgement: the collector's rate is records stored until the buffer is empty.
            await WaitShippedAsync(http, shipping, TimeSpan.FromSeconds(60), cancellationToken);
            var clock = Stopwatch.StartNew();
            var reads = await GatewayLoadRun.MeasureAsync(ShippedRead, requests, concurrency);
            var answered = clock.Elapsed;
            await WaitShippedAsync(http, shipping, TimeSpan.FromSeconds(120), cancellationToken);
            var drained = clock.Elapsed;

            await output.WriteLineAsync($"{requests} write tool calls (tier 1, executed), concurrency {concurrency}, loopback, {Environment.ProcessorCount} cores; collector fsyncs each batch before acknowledging");
            await output.WriteLineAsync($"{"",-16}{"p50 µs",10}{"p90 µs",10}{"p99 µs",10}{"p99.9 µs",10}{"req/s",10}{"B/req",10}");
            await GatewayLoadRun.Print(output, "write, pod only", pod);
            await GatewayLoadRun.Print(output, "write, durable", durable);
            await output.WriteLineAsync($"{"added by ack",-16}{durable.P(50) - pod.P(50),10:F0}{durable.P(90) - pod.P(90),10:F0}{durable.P(99) - pod.P(99),10:F0}{durable.P(99.9) - pod.P(99.9),10:F0}");
            await output.WriteLineAsync($"durable writes sustained: {durable.Throughput:F0} records/s (each answered after its record was stored)");
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"reads: {requests} answered in {answered.TotalSeconds:F2} s ({reads.Throughput:F0}/s), all stored after {drained.TotalSeconds:F2} s: {requests / drained.TotalSeconds:F0} records/s stored by the collector"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task SendAsync(HttpClient http, Uri uri, string action, string input, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(input, Encoding.UTF8, "application/json") };
        request.Headers.Add("X-Tool-Action", action);
        using var response = await http.SendAsync(request, cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{uri} answered {(int)response.StatusCode}: {body}");
        }
    }

    /// <summary>Waits until the gateway's /metrics reports no unshipped audit record.</summary>
    private static async Task WaitShippedAsync(HttpClient http, RunningGateway gateway, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        var line = "";
        while (deadline.Elapsed < timeout)
        {
            var metrics = await http.GetStringAsync(new Uri(gateway.MetricsAddress, "/metrics"), cancellationToken);
            line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith(AuditMetrics.UnshippedRecords + "{", StringComparison.Ordinal)) ?? "";
            if (line.EndsWith(" 0", StringComparison.Ordinal))
            {
                return;
            }

            await Task.Delay(5, cancellationToken);
        }

        throw new TimeoutException($"the gateway still had unshipped audit records after {timeout.TotalSeconds} s: {line}");
    }

    // config/collector's ServiceAccount, ClusterRole and ClusterRoleBinding applied by the real kubectl, as an install
    // applies them; a token of that ServiceAccount.
    private static async Task<string> CollectorTokenAsync(DevClusterServer cluster, Kubernetes admin, string directory, CancellationToken cancellationToken)
    {
        var config = Path.Combine(RepositoryRoot(), "config", "collector");
        var account = KubernetesYaml.Deserialize<V1ServiceAccount>(await File.ReadAllTextAsync(Path.Combine(config, "service_account.yaml"), cancellationToken));
        var kubeconfig = Path.Combine(directory, "kubeconfig");
        cluster.WriteKubeconfig(kubeconfig);
        await KubectlAsync(kubeconfig, ["create", "namespace", account.Metadata.NamespaceProperty], cancellationToken);
        await KubectlAsync(kubeconfig, ["apply", "-f", Path.Combine(config, "service_account.yaml"), "-f", Path.Combine(config, "role.yaml"), "-f", Path.Combine(config, "role_binding.yaml")], cancellationToken);
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec { ExpirationSeconds = 7200 } },
            account.Metadata.Name, account.Metadata.NamespaceProperty, cancellationToken: cancellationToken);
        return token.Status.Token;
    }

    private static async Task KubectlAsync(string kubeconfig, string[] arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("kubectl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])["--kubeconfig", kubeconfig, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start (install the kubernetes-client package)");
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl {string.Join(' ', arguments)} exited with {process.ExitCode}: {await error}");
        }
    }

    // A revision's ServiceAccount as the operator marks it (owner AgentWorkflow, revision annotation), a pod of it, and a
    // token bound to that pod for the collector's audience, as the kubelet projects it.
    private static async Task<string> GatewayTokenAsync(Kubernetes admin, CancellationToken cancellationToken)
    {
        await admin.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = Namespace } }, cancellationToken: cancellationToken);
        await admin.CoreV1.CreateNamespacedServiceAccountAsync(new V1ServiceAccount
        {
            Metadata = new V1ObjectMeta
            {
                Name = GatewayAccount,
                Annotations = new Dictionary<string, string> { [RevisionObjects.RevisionAnnotation] = "bench00001" },
                OwnerReferences = [new V1OwnerReference { ApiVersion = "agentoperator.io/v1alpha1", Kind = RevisionObjects.WorkflowKind, Name = Workflow, Uid = Guid.NewGuid().ToString() }],
            },
        }, Namespace, cancellationToken: cancellationToken);
        var pod = await admin.CoreV1.CreateNamespacedPodAsync(new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = Pod },
            Spec = new V1PodSpec { ServiceAccountName = GatewayAccount, Containers = [new V1Container { Name = "gateway", Image = "ghcr.io/agentoperator/gateway:0.1.0" }] },
        }, Namespace, cancellationToken: cancellationToken);
        var token = await admin.CoreV1.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest
        {
            Spec = new V1TokenRequestSpec
            {
                Audiences = [AuditCollectorApi.Audience],
                ExpirationSeconds = 7200,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = Pod, Uid = pod.Metadata.Uid },
            },
        }, GatewayAccount, Namespace, cancellationToken: cancellationToken);
        return token.Status.Token;
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "AgentOperator.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("run from the repository: config/collector is read from it");
    }
}
