using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// Pods on the DevCluster node each have their own network namespace and address, reachable from the host; the
/// containers of a pod share its loopback; Service ClusterIPs route to ready endpoints (from the host and from pods);
/// pods reach the API server; a sandbox that cannot be made is retried; the node leaves nothing behind in the host's
/// network. Each pod runs a small python HTTP server answering its pod name, ready while its readiness file exists.
/// </summary>
public sealed class PodNetworkTests(NodeFixture cluster, ITestOutputHelper output) : IClassFixture<NodeFixture>
{
    // GET / answers the pod's name; GET /ready is 200 while READY_FILE exists (404 otherwise).
    private const string Server = """
        import http.server, os, sys
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                ok = self.path != '/ready' or os.path.exists(os.environ.get('READY_FILE', '/nonexistent'))
                body = os.environ['POD_NAME'].encode() if ok else b'not ready'
                self.send_response(200 if ok else 404)
                self.end_headers()
                self.wfile.write(body)
            def log_message(self, *args):
                pass
        http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), Handler).serve_forever()
        """;

    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };

    // Starting python on a loaded machine takes seconds.
    private static readonly TimeSpan Slow = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Two_pods_listening_on_the_same_port_are_both_Ready_with_their_own_addresses()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        await ApplyServerScriptAsync(ns);
        await ApplyServerPodAsync(ns, "one", readyFile: null);
        await ApplyServerPodAsync(ns, "two", readyFile: null);

        var one = await cluster.WaitForPodAsync(ns, "one", Ready, "Ready", Slow);
        var two = await cluster.WaitForPodAsync(ns, "two", Ready, "Ready", Slow);
        var (ipOne, ipTwo) = (one.Str("status", "podIP")!, two.Str("status", "podIP")!);
        Assert.NotEqual(ipOne, ipTwo);
        var network = cluster.Server.NodeNetwork!;
        Assert.True(network.PodCidr.Contains(IPAddress.Parse(ipOne)), $"{ipOne} is not in the node's pod range {network.PodCidr}");
        Assert.True(network.PodCidr.Contains(IPAddress.Parse(ipTwo)), $"{ipTwo} is not in the node's pod range {network.PodCidr}");
        Assert.Equal(ipOne, one.Str("status", "podIPs", 0, "ip"));
        Assert.Equal(network.Gateway.ToString(), one.Str("status", "hostIP"));
        Assert.Equal(network.Gateway.ToString(), (await cluster.Kubectl.SucceedAsync("get node devcluster-node -o jsonpath={.status.addresses[0].address}")).Trim());

        // Both listen on 8080, each in its own namespace, and the host reaches each at its address.
        Assert.Equal("one", await Http.GetStringAsync($"http://{ipOne}:8080/"));
        Assert.Equal("two", await Http.GetStringAsync($"http://{ipTwo}:8080/"));
    }

    [Fact]
    public async Task Containers_of_a_pod_share_its_loopback_and_the_host_does_not_see_it()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        await ApplyServerScriptAsync(ns);
        var port = FreePort();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: pair}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: server
                image: python
                args: ["/app/server.py", "127.0.0.1", "{{port}}"]
                env: [{name: POD_NAME, value: pair-server}]
                volumeMounts: [{name: app, mountPath: /app}]
              - name: client
                image: busybox
                command: ["sh", "-c", "until curl -sS http://127.0.0.1:{{port}}/; do sleep 0.2; done; echo; echo done; sleep 3600"]
              volumes:
              - name: app
                configMap: {name: server}
            """);

        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs pair -n {ns} -c client"),
            r => r.Stdout.Contains("pair-server\ndone", StringComparison.Ordinal), "the client container reaching the server container on 127.0.0.1", TimeSpan.FromSeconds(30));

        // The server listens on the pod's loopback, not the host's.
        using var client = new TcpClient();
        var refused = await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(IPAddress.Loopback, port));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_service_cluster_ip_reaches_a_ready_pod_follows_readiness_and_is_refused_without_ready_endpoints()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        var state = Directory.CreateTempSubdirectory("pod-net-ready-").FullName;
        try
        {
            await ApplyServerScriptAsync(ns);
            await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  selector: {app: web}
                  ports:
                  - {name: by-name, port: 80, targetPort: http}
                  - {name: by-number, port: 81, targetPort: 8080}
                """);
            var clusterIp = (await cluster.Kubectl.SucceedAsync($"get service web -n {ns} -o jsonpath={{.spec.clusterIP}}")).Trim();
            Assert.True(cluster.Server.NodeNetwork!.ServiceCidr.Contains(IPAddress.Parse(clusterIp)), $"{clusterIp} is not in the node's Service range");

            await ApplyServerPodAsync(ns, "backend", readyFile: Path.Combine(state, "ready"), labels: "{app: web}", stateFolder: state);
            await cluster.WaitForPodAsync(ns, "backend", p => p.Str("status", "phase") == "Running", "Running");

            // Running but not ready: no ready endpoint, so the ClusterIP refuses at once instead of timing out.
            var ip = (await cluster.PodAsync(ns, "backend")).Str("status", "podIP");
            await Eventually.MatchAsync(() => cluster.Kubectl.SucceedAsync($"get endpoints web -n {ns} -o jsonpath={{.subsets[0].notReadyAddresses[0].ip}}"),
                address => address.Trim() == ip, "the pod as a not-ready address of the Endpoints");
            await AssertRefusedAsync(clusterIp, 80);

            await File.WriteAllTextAsync(Path.Combine(state, "ready"), "ok");
            var pod = await cluster.WaitForPodAsync(ns, "backend", Ready, "Ready once its readiness file exists", Slow);
            var endpoints = await Eventually.MatchAsync(() => cluster.Kubectl.SucceedAsync($"get endpointslices -n {ns} -l kubernetes.io/service-name=web -o json"),
                json => json.Contains(pod.Str("status", "podIP")!, StringComparison.Ordinal) && json.Contains("\"ready\": true", StringComparison.Ordinal), "the pod as a ready endpoint");
            Assert.Contains("\"port\": 8080", endpoints, StringComparison.Ordinal);
            Assert.Equal($"{ip}:8080,8080", (await cluster.Kubectl.SucceedAsync($"get endpoints web -n {ns} -o jsonpath={{.subsets[0].addresses[0].ip}}:{{.subsets[0].ports[*].port}}")).Trim().Replace(' ', ','));

            // From the host, by the named targetPort and by the numbered one.
            Assert.Equal("backend", await Eventually.MatchAsync(() => GetOrErrorAsync($"http://{clusterIp}:80/"), body => body == "backend", "the ClusterIP's port 80 answering"));
            Assert.Equal("backend", await GetOrErrorAsync($"http://{clusterIp}:81/"));

            // From another pod (the pods' PREROUTING path), and from the backend itself (hairpin).
            await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: caller}
                spec:
                  restartPolicy: Never
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "echo via-service=$(curl -sS --max-time 5 http://{{clusterIp}}/)"]
                """);
            await cluster.WaitForPodAsync(ns, "caller", p => p.Str("status", "phase") is "Succeeded" or "Failed", "finished");
            Assert.Contains("via-service=backend", await cluster.Kubectl.SucceedAsync($"logs caller -n {ns}"), StringComparison.Ordinal);

            // Not ready again: the endpoint is dropped and the ClusterIP refuses.
            File.Delete(Path.Combine(state, "ready"));
            await cluster.WaitForPodAsync(ns, "backend", p => p.Condition("Ready")?.Str("status") == "False", "not Ready once its readiness file is gone");
            await AssertRefusedAsync(clusterIp, 80);
            await AssertRefusedAsync(clusterIp, 81);
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    [Fact]
    public async Task A_pod_reaches_the_API_server_at_KUBERNETES_SERVICE_HOST_with_its_service_account_token()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        var clusterIp = (await cluster.Kubectl.SucceedAsync("get service kubernetes -n default -o jsonpath={.spec.clusterIP}")).Trim();
        const string account = "/var/run/secrets/kubernetes.io/serviceaccount";
        var review = """{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""";
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: client}
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox
                command:
                - sh
                - -c
                - |
                  echo host=$KUBERNETES_SERVICE_HOST
                  curl -sS --fail --cacert {{account}}/ca.crt -H "Authorization: Bearer $(cat {{account}}/token)" \
                    -H 'Content-Type: application/json' -d '{{review}}' \
                    https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT/apis/authentication.k8s.io/v1/selfsubjectreviews
                  echo
                  echo via-cluster-ip=$(curl -sS --fail --cacert {{account}}/ca.crt -H "Authorization: Bearer $(cat {{account}}/token)" https://{{clusterIp}}:443/version | grep -c gitVersion)
            """);

        var pod = await cluster.WaitForPodAsync(ns, "client", p => p.Str("status", "phase") is "Succeeded" or "Failed", "finished");
        var logs = await cluster.Kubectl.SucceedAsync($"logs client -n {ns}");
        Assert.True(pod.Str("status", "phase") == "Succeeded", logs);
        var gateway = cluster.Server.NodeNetwork!.Gateway.ToString();
        Assert.Contains($"host={gateway}", logs, StringComparison.Ordinal);
        Assert.StartsWith(gateway + ":", (await cluster.Kubectl.SucceedAsync("get endpoints kubernetes -n default -o jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}")).Trim(), StringComparison.Ordinal);
        Assert.Equal(gateway, (await cluster.Kubectl.SucceedAsync("get endpointslice kubernetes -n default -o jsonpath={.endpoints[0].addresses[0]}")).Trim());
        Assert.Contains($"\"username\":\"system:serviceaccount:{ns}:default\"", logs.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("via-cluster-ip=1", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_sees_the_node_managed_hosts_file_and_resolv_conf()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: names}
            spec:
              restartPolicy: Never
              hostAliases:
              - {ip: 192.0.2.7, hostnames: [foo.example, bar.example]}
              dnsConfig:
                searches: [corp.example]
                options: [{name: ndots, value: "2"}, {name: edns0}]
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "cat /etc/hosts /etc/resolv.conf; echo resolved=$(getent hosts foo.example)"]
            """);

        var pod = await cluster.WaitForPodAsync(ns, "names", p => p.Str("status", "phase") is "Succeeded" or "Failed", "finished");
        var logs = await cluster.Kubectl.SucceedAsync($"logs names -n {ns}");
        Assert.Contains("# Kubernetes-managed hosts file.", logs, StringComparison.Ordinal);
        Assert.Contains($"{pod.Str("status", "podIP")}\tnames\n", logs, StringComparison.Ordinal);
        Assert.Contains("# Entries added by HostAliases.\n192.0.2.7\tfoo.example\tbar.example", logs, StringComparison.Ordinal);
        Assert.Contains($"search {ns}.svc.cluster.local svc.cluster.local cluster.local", logs, StringComparison.Ordinal);
        Assert.Contains(" corp.example\n", logs, StringComparison.Ordinal);
        Assert.Contains("options ndots:2 edns0", logs, StringComparison.Ordinal);
        Assert.Matches(@"resolved=192\.0\.2\.7\s+foo\.example", logs);
        Assert.DoesNotContain("foo.example", await File.ReadAllTextAsync("/etc/hosts"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_pod_whose_sandbox_cannot_be_created_gets_FailedCreatePodSandBox_and_starts_once_it_can()
    {
        var ns = await cluster.CreateNamespaceAsync("net");
        await ApplyServerScriptAsync(ns);
        var network = cluster.Server.NodeNetwork!;

        // Without its bridge the pod's veth has nowhere to go; after the failure the node makes the bridge again.
        await HostCommand.RunAsync("ip", ["link", "delete", network.Bridge]);
        await ApplyServerPodAsync(ns, "late", readyFile: null);
        var events = await Eventually.MatchAsync(() => cluster.Kubectl.SucceedAsync($"get events -n {ns} --field-selector reason=FailedCreatePodSandBox -o jsonpath={{.items[*].message}}"),
            e => e.Contains("Failed to create pod sandbox", StringComparison.Ordinal), "a FailedCreatePodSandBox Event", TimeSpan.FromSeconds(30));
        Assert.Contains(network.Bridge, events, StringComparison.Ordinal);

        var pod = await cluster.WaitForPodAsync(ns, "late", Ready, "Ready once the sandbox could be made", Slow);
        Assert.Equal("late", await Http.GetStringAsync($"http://{pod.Str("status", "podIP")}:8080/"));
    }

    [Fact]
    public async Task The_node_removes_a_dead_nodes_leftovers_at_start_and_leaves_nothing_behind()
    {
        // A node that died (SIGKILL): its slot's lock is free again, its namespace, veth and chain are still there, and
        // a container process still runs in that namespace.
        int dead;
        using (var slot = NodeNetworkSlot.Claim())
        {
            dead = slot.Number;
            await HostCommand.RunAsync("ip", ["-batch", "-"], $"netns add devcluster-{dead}-250\nlink add dcv{dead}p251 type veth peer name dcv{dead}p252\n");
            await HostCommand.RunAsync("iptables-restore", ["--noflush", "-w", "5"], $"*nat\n:DEVCLUSTER-{dead}-LEFTOVER - [0:0]\n-A OUTPUT -d 192.0.2.1/32 -j DEVCLUSTER-{dead}-LEFTOVER\nCOMMIT\n");
        }

        using var orphan = Process.Start(new ProcessStartInfo("ip", ["netns", "exec", $"devcluster-{dead}-250", "sleep", "300"]) { UseShellExecute = false })!;
        await Eventually.MatchAsync(async () => await HostCommand.RunAsync("ip", ["netns", "pids", $"devcluster-{dead}-250"]),
            pids => pids.Contains(orphan.Id.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal), "the orphan running in the dead node's namespace");
        var own = new NodeFixture();
        await own.InitializeAsync();
        int slotNumber;
        try
        {
            Assert.True(orphan.WaitForExit(TimeSpan.FromSeconds(10)), "the process left running in the dead node's network namespace was not killed");
            Assert.False(File.Exists($"/run/netns/devcluster-{dead}-250"), "the dead node's network namespace is still there");
            Assert.False(Directory.Exists($"/sys/class/net/dcv{dead}p251"), "the dead node's veth is still there");
            Assert.False(Directory.Exists($"/sys/class/net/dcv{dead}p252"), "the dead node's veth peer is still there");
            Assert.DoesNotContain($"DEVCLUSTER-{dead}-LEFTOVER", await HostCommand.RunAsync("iptables-save", []), StringComparison.Ordinal);

            var ns = await own.CreateNamespaceAsync("net");
            await ApplyServerScriptAsync(ns, own);
            await ApplyServerPodAsync(ns, "kept", readyFile: null, fixture: own);
            await own.Kubectl.SucceedAsync($"apply -n {ns} -f -", "apiVersion: v1\nkind: Service\nmetadata: {name: kept}\nspec: {ports: [{port: 80, targetPort: 8080}]}\n");
            await own.WaitForPodAsync(ns, "kept", Ready, "Ready", Slow);
            var network = own.Server.NodeNetwork!;
            slotNumber = network.Slot;

            // Two nodes at once (this one and the class's) hold different slots, bridges and ranges.
            Assert.NotEqual(cluster.Server.NodeNetwork!.Slot, slotNumber);
            Assert.NotEqual(cluster.Server.NodeNetwork!.ServiceCidr, network.ServiceCidr);
            Assert.True(Directory.Exists($"/sys/class/net/{network.Bridge}"));
            Assert.NotEmpty(SandboxesOf(slotNumber));
            Assert.Contains($":DEVCLUSTER-{slotNumber}-SERVICES", await HostCommand.RunAsync("iptables-save", []), StringComparison.Ordinal);

            // Each pod's sandbox; the deleted pod's goes at once.
            await own.Kubectl.SucceedAsync($"delete pod kept -n {ns} --wait=false");
            await Eventually.MatchAsync(() => Task.FromResult(SandboxesOf(slotNumber).Count), count => count == 0, "the deleted pod's network namespace removed", TimeSpan.FromSeconds(30));
            foreach (var measured in new[] { network, cluster.Server.NodeNetwork! })
            {
                output.WriteLine($"node {measured.Slot}: pod sandbox setup {measured.SetupTimes}; teardown {measured.TeardownTimes}; Service rule reloads {measured.RuleReloadTimes}");
            }
            await ApplyServerPodAsync(ns, "running-at-stop", readyFile: null, fixture: own);
            await own.WaitForPodAsync(ns, "running-at-stop", Ready, "Ready", Slow);
        }
        finally
        {
            await own.DisposeAsync();
            if (!orphan.HasExited)
            {
                orphan.Kill();
            }
        }

        Assert.Empty(SandboxesOf(slotNumber));
        Assert.False(Directory.Exists($"/sys/class/net/dcbr{slotNumber}"), "the bridge is still there");
        Assert.Empty(Directory.EnumerateFileSystemEntries("/sys/class/net", $"dcv{slotNumber}p*"));
        Assert.DoesNotContain($"DEVCLUSTER-{slotNumber}-", await HostCommand.RunAsync("iptables-save", []), StringComparison.Ordinal);
    }

    private static List<string> SandboxesOf(int slot) =>
        Directory.Exists("/run/netns") ? Directory.EnumerateFileSystemEntries("/run/netns", $"devcluster-{slot}-*").ToList() : [];

    private static bool Ready(JsonObject pod) => pod.Condition("Ready")?.Str("status") == "True";

    private async Task ApplyServerScriptAsync(string ns, NodeFixture? fixture = null)
    {
        var script = Path.Combine((fixture ?? cluster).Directory, "server.py");
        await File.WriteAllTextAsync(script, Server);
        await (fixture ?? cluster).Kubectl.SucceedAsync($"create configmap server -n {ns} --from-file=server.py={script}");
    }

    // A server pod on 8080 (port name http) with a readiness probe; ready at once unless readyFile is given.
    private Task<string> ApplyServerPodAsync(string ns, string name, string? readyFile, string labels = "{}", string? stateFolder = null, NodeFixture? fixture = null) =>
        (fixture ?? cluster).Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: {{name}}, labels: {{labels}} }
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: server
                image: python
                args: ["/app/server.py", "0.0.0.0", "8080"]
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name} } }
                - {name: READY_FILE, value: "{{readyFile ?? "/app/server.py"}}"}
                ports: [{name: http, containerPort: 8080}]
                readinessProbe:
                  httpGet: {path: /ready, port: http}
                  periodSeconds: 1
                  failureThreshold: 1
                volumeMounts:
                - {name: app, mountPath: /app}
                {{(stateFolder is null ? "" : $"- {{name: state, mountPath: {stateFolder}}}")}}
              volumes:
              - name: app
                configMap: {name: server}
              {{(stateFolder is null ? "" : $"- {{name: state, hostPath: {{path: {stateFolder}}}}}")}}
            """);

    private static async Task AssertRefusedAsync(string ip, int port)
    {
        var error = await Eventually.MatchAsync(async () =>
        {
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(IPAddress.Parse(ip), port).WaitAsync(TimeSpan.FromSeconds(3));
                return (SocketError?)SocketError.Success;
            }
            catch (SocketException e)
            {
                return e.SocketErrorCode;
            }
            catch (TimeoutException)
            {
                return SocketError.TimedOut;
            }
        }, e => e == SocketError.ConnectionRefused, $"{ip}:{port} refusing connections", TimeSpan.FromSeconds(15));
        Assert.Equal(SocketError.ConnectionRefused, error);
    }

    private static async Task<string> GetOrErrorAsync(string url)
    {
        try
        {
            return await Http.GetStringAsync(url);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            return e.Message;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
