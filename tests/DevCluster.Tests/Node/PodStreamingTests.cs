using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using AgentOperator.DevCluster.Tests.Infrastructure;
using Xunit.Abstractions;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// <c>kubectl exec</c> and <c>kubectl port-forward</c> (the real kubectl 1.32) against pods the node runs: exec runs
/// inside the container (its environment, mounts, working directory) over WebSocket v5, or SPDY when the WebSocket is
/// refused; port-forward tunnels SPDY through a WebSocket to localhost inside the pod's network namespace. Errors and
/// refusals in kube-apiserver's words.
/// </summary>
public sealed class PodStreamingTests(NodeFixture cluster, ITestOutputHelper output) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task Exec_gives_stdout_and_stderr_on_their_streams_and_the_commands_exit_code()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));

        var result = await cluster.Kubectl.RunAsync(["exec", "box", "-n", ns, "--", "sh", "-c", "echo out; echo err >&2; exit 3"]);

        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Equal("out\n", result.Stdout);
        Assert.StartsWith("err\n", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("command terminated with exit code 3", result.Stderr, StringComparison.Ordinal);

        var ok = await cluster.Kubectl.RunAsync(["exec", "box", "-n", ns, "--", "true"]);
        Assert.True(ok.ExitCode == 0 && ok.Stdout.Length == 0 && ok.Stderr.Length == 0, ok.ToString());

        // Latency of a whole kubectl exec (process start, discovery cached, upgrade, command, status).
        var watch = Stopwatch.StartNew();
        const int Runs = 5;
        for (var i = 0; i < Runs; i++)
        {
            await cluster.Kubectl.SucceedAsync(["exec", "box", "-n", ns, "--", "true"]);
        }

        output.WriteLine($"kubectl exec -- true: {watch.Elapsed.TotalMilliseconds / Runs:F0} ms per run (mean of {Runs})");
    }

    [Fact]
    public async Task Exec_with_stdin_passes_the_input_and_its_end_to_the_command()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));

        var result = await cluster.Kubectl.RunAsync(["exec", "-i", "box", "-n", ns, "--", "sh", "-c", "cat; echo done"], stdin: "hello\nworld\n");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal("hello\nworld\ndone\n", result.Stdout);
    }

    [Fact]
    public async Task Exec_runs_inside_the_container_with_its_environment_mounts_and_working_directory()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await cluster.Kubectl.SucceedAsync($"create configmap cfg -n {ns} --from-literal=file.txt=from-the-volume");
        var workingDir = Path.Combine(cluster.Directory, "work-" + ns);
        await StartPodAsync(ns, "box", $$"""
              - name: main
                image: busybox:1.36
                command: ["sh", "-c", "echo started; exec sleep 3600"]
                workingDir: {{workingDir}}
                env: [{name: GREETING, value: hello-from-env}]
                volumeMounts: [{name: cfg, mountPath: /etc/exec-test}]
              volumes:
              - name: cfg
                configMap: {name: cfg}
            """);

        var result = await cluster.Kubectl.RunAsync(["exec", "box", "-n", ns, "--", "sh", "-c", "echo $GREETING; cat /etc/exec-test/file.txt; echo; pwd; echo $HOSTNAME"]);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal($"hello-from-env\nfrom-the-volume\n{workingDir}\nbox\n", result.Stdout);

        // The volume is in the container's mount namespace only.
        Assert.False(File.Exists("/etc/exec-test/file.txt"));
    }

    [Fact]
    public async Task Exec_with_a_tty_runs_the_command_on_a_terminal_of_the_clients_size()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));

        // kubectl -t needs a terminal itself: script gives it one, of a known size.
        var kubectl = $"KUBECONFIG={cluster.KubeconfigPath} {Infrastructure.Kubectl.Binary} --cache-dir={Path.Combine(cluster.Directory, "cache")} exec -it box -n {ns} -- sh -c 'tty; stty size'";
        var psi = new ProcessStartInfo("script", ["--quiet", "--return", "--command", $"stty rows 33 cols 111; {kubectl}", "/dev/null"])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        using var script = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var text = await script.StandardOutput.ReadToEndAsync(timeout.Token);
        await script.WaitForExitAsync(timeout.Token);

        Assert.True(script.ExitCode == 0, text);
        Assert.Contains("/dev/pts/", text, StringComparison.Ordinal);
        Assert.Contains("33 111", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KubernetesClient_execs_over_v4_channels_and_gets_the_exit_code()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));
        Task<string>? stdout = null, stderr = null;

        var code = await cluster.Client.NamespacedPodExecAsync("box", ns, "main", ["sh", "-c", "echo out; echo err >&2; exit 5"], false, (_, output, errors) =>
        {
            stdout = new StreamReader(output).ReadToEndAsync();
            stderr = new StreamReader(errors).ReadToEndAsync();
            return Task.WhenAll(stdout, stderr);
        }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(5, code);
        Assert.Equal("out\n", await stdout!);
        Assert.Equal("err\n", await stderr!);

        // Latency of one exec from an in-process client: upgrade, nsenter, the command, the Status, the close.
        const int Runs = 10;
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Runs; i++)
        {
            Assert.Equal(0, await cluster.Client.NamespacedPodExecAsync("box", ns, "main", ["true"], false, (_, _, _) => Task.CompletedTask, CancellationToken.None));
        }

        output.WriteLine($"KubernetesClient exec -- true: {watch.Elapsed.TotalMilliseconds / Runs:F0} ms per exec (mean of {Runs})");
    }

    [Fact]
    public async Task Exec_without_a_container_goes_to_the_default_container_annotation()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata:
              name: two
              annotations: {kubectl.kubernetes.io/default-container: second}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - {name: first, image: busybox:1.36, command: [sh, -c, exec sleep 3600], env: [{name: WHICH, value: first}]}
              - {name: second, image: busybox:1.36, command: [sh, -c, exec sleep 3600], env: [{name: WHICH, value: second}]}
            """);
        await cluster.WaitForPodAsync(ns, "two", p => (p.At("status", "containerStatuses") as System.Text.Json.Nodes.JsonArray)?.Count(c => c.At("state", "running") is not null) == 2, "with both containers running");

        Assert.Equal("second\n", await cluster.Kubectl.SucceedAsync(["exec", "two", "-n", ns, "--", "sh", "-c", "echo $WHICH"]));
        Assert.Equal("first\n", await cluster.Kubectl.SucceedAsync(["exec", "two", "-n", ns, "-c", "first", "--", "sh", "-c", "echo $WHICH"]));
    }

    [Fact]
    public async Task Exec_into_a_container_the_pod_does_not_have_is_refused_as_kube_apiserver_refuses_it()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));

        var result = await cluster.Kubectl.RunAsync(["exec", "box", "-n", ns, "-c", "nope", "--", "true"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Error from server (BadRequest): container nope is not valid for pod box", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_into_a_container_that_is_not_running_fails_as_the_kubelet_reports_it()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "two", ShellContainer("main") + """

              - name: done
                image: busybox:1.36
                command: ["true"]
            """, restartPolicy: "Never");
        await cluster.WaitForPodAsync(ns, "two", p => p.At("status", "containerStatuses") is System.Text.Json.Nodes.JsonArray a
            && a.Any(c => c.Str("name") == "done" && c.At("state", "terminated") is not null), "with container done terminated");

        var result = await cluster.Kubectl.RunAsync(["exec", "two", "-n", ns, "-c", "done", "--", "true"]);

        Assert.True(result.ExitCode == 1, result.ToString());
        Assert.Contains("Internal error occurred: unable to upgrade connection: container not found (\"done\")", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Exec_needs_create_on_pods_exec_and_a_user_with_create_alone_execs_over_spdy()
    {
        var ns = await cluster.CreateNamespaceAsync("exec");
        await StartPodAsync(ns, "box", ShellContainer("main"));
        var viewer = await ServiceAccountKubectlAsync(ns, "viewer", "[get, list]", ["get"]);
        var operatorUser = await ServiceAccountKubectlAsync(ns, "operator", "[get, list]", ["create"]);

        var refused = await viewer.RunAsync(["exec", "box", "-n", ns, "--", "true"]);
        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"Error from server (Forbidden): pods \"box\" is forbidden: User \"system:serviceaccount:{ns}:viewer\" cannot create resource \"pods/exec\" in API group \"\" in the namespace \"{ns}\"", refused.Stderr, StringComparison.Ordinal);

        // Without get the WebSocket (GET) is refused; kubectl falls back to SPDY (POST), which create allows.
        var spdy = await operatorUser.RunAsync(["exec", "-i", "box", "-n", ns, "--", "sh", "-c", "cat; echo out; echo err >&2; exit 4"], stdin: "in\n");
        Assert.True(spdy.ExitCode == 4, spdy.ToString());
        Assert.Equal("in\nout\n", spdy.Stdout);
        Assert.StartsWith("err\n", spdy.Stderr, StringComparison.Ordinal);
        Assert.Contains("command terminated with exit code 4", spdy.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_forward_to_a_pod_carries_http_both_ways_through_the_local_port()
    {
        var ns = await cluster.CreateNamespaceAsync("pf");
        var port = FreePort();
        await StartPodAsync(ns, "web", WebContainer(port));
        await WaitForListenerAsync(ns, "web", port);

        await using var forward = await PortForward.StartAsync(cluster, ["port-forward", "pod/web", $":{port}", "-n", ns]);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{forward.LocalPort}/"), Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("hello from web", await http.GetStringAsync(""));

        // 10 MB each way, checked byte for byte (the pod answers the SHA-256 of what it got).
        const int Size = 10 * 1024 * 1024;
        var watch = Stopwatch.StartNew();
        var body = await http.GetByteArrayAsync($"bytes/{Size}");
        var down = watch.Elapsed;
        Assert.Equal(Size, body.Length);
        Assert.Equal(Pattern(Size), body);

        var upload = RandomNumberGenerator.GetBytes(Size);
        watch.Restart();
        string hash;
        try
        {
            using var answer = await http.PostAsync("sha256", new ByteArrayContent(upload));
            hash = await answer.Content.ReadAsStringAsync();
        }
        catch (HttpRequestException e)
        {
            await Task.Delay(TimeSpan.FromSeconds(1)); // what kubectl prints about it
            throw new HttpRequestException($"{e.Message}\nkubectl port-forward printed:\n{forward.Output}{forward.Errors}", e);
        }

        var up = watch.Elapsed;
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(upload)), hash);

        // Several connections at once, each its own stream pair.
        var parallel = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => new HttpClient { BaseAddress = http.BaseAddress }.GetStringAsync("")));
        Assert.All(parallel, text => Assert.Equal("hello from web", text));

        output.WriteLine($"port-forward 10 MB: down {Size / 1048576.0 / down.TotalSeconds:F1} MB/s, up {Size / 1048576.0 / up.TotalSeconds:F1} MB/s");
    }

    [Fact]
    public async Task Port_forward_to_a_service_reaches_a_pod_behind_it_on_the_named_target_port()
    {
        var ns = await cluster.CreateNamespaceAsync("pf");
        var port = FreePort();
        await StartPodAsync(ns, "web", WebContainer(port));
        await WaitForListenerAsync(ns, "web", port);
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Service
            metadata: {name: site}
            spec:
              selector: {app: web}
              ports: [{port: 80, targetPort: http}]
            """);

        await using var forward = await PortForward.StartAsync(cluster, ["port-forward", "svc/site", ":80", "-n", ns]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };

        Assert.Equal("hello from web", await http.GetStringAsync($"http://127.0.0.1:{forward.LocalPort}/"));
        Assert.Contains($"-> {port}", forward.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_forward_reaches_a_server_on_the_pods_loopback_and_never_the_nodes()
    {
        var ns = await cluster.CreateNamespaceAsync("pf");
        var port = FreePort();
        await StartPodAsync(ns, "web", WebContainer(port, bind: "127.0.0.1"));
        await WaitForListenerAsync(ns, "web", port);
        // A server of the node's on its own loopback, at a port the pod does not listen on.
        using var nodeServer = new TcpListener(IPAddress.Loopback, 0);
        nodeServer.Start();
        var nodePort = ((IPEndPoint)nodeServer.LocalEndpoint).Port;

        await using var forward = await PortForward.StartAsync(cluster, ["port-forward", "pod/web", $":{port}", "-n", ns]);
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal("hello from web", await http.GetStringAsync($"http://127.0.0.1:{forward.LocalPort}/"));

        await using var toNode = await PortForward.StartAsync(cluster, ["port-forward", "pod/web", $":{nodePort}", "-n", ns]);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, toNode.LocalPort);
        var read = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(15));
        Assert.Equal(0, read);
        Assert.False(nodeServer.Pending(), "port-forward to the pod reached a server on the node's loopback");
        await Eventually.MatchAsync(() => Task.FromResult(toNode.Errors), e => e.Contains("connect: connection refused", StringComparison.Ordinal), "kubectl reports the refused connection", TimeSpan.FromSeconds(15));
        Assert.Contains($"failed to connect to localhost:{nodePort} inside the pod's network namespace", toNode.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_forward_to_a_port_nothing_listens_on_reports_the_refused_connection()
    {
        var ns = await cluster.CreateNamespaceAsync("pf");
        await StartPodAsync(ns, "box", ShellContainer("main"));
        var closed = FreePort();

        await using var forward = await PortForward.StartAsync(cluster, ["port-forward", "pod/box", $":{closed}", "-n", ns]);
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, forward.LocalPort);
        var read = await client.GetStream().ReadAsync(new byte[16]).AsTask().WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(0, read);
        await Eventually.MatchAsync(() => Task.FromResult(forward.Errors), e => e.Contains("connect: connection refused", StringComparison.Ordinal), "kubectl reports the refused connection", TimeSpan.FromSeconds(15));
        Assert.Contains($"error forwarding port {closed} to pod box_{ns}", forward.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Port_forward_needs_create_on_pods_portforward()
    {
        var ns = await cluster.CreateNamespaceAsync("pf");
        await StartPodAsync(ns, "box", ShellContainer("main"));
        var viewer = await ServiceAccountKubectlAsync(ns, "viewer", "[get, list]", ["get"], "pods/portforward");

        var refused = await viewer.RunAsync(["port-forward", "pod/box", ":8080", "-n", ns]);

        Assert.True(refused.ExitCode == 1, refused.ToString());
        Assert.Contains($"pods \"box\" is forbidden: User \"system:serviceaccount:{ns}:viewer\" cannot create resource \"pods/portforward\" in API group \"\" in the namespace \"{ns}\"", refused.Stderr, StringComparison.Ordinal);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static byte[] Pattern(int size) => Enumerable.Range(0, size).Select(i => (byte)i).ToArray();

    // Waits until the pod's server answers on its port (exec: the container's own view).
    private Task<KubectlResult> WaitForListenerAsync(string ns, string pod, int port) =>
        Eventually.MatchAsync(() => cluster.Kubectl.RunAsync(["exec", pod, "-n", ns, "--", "python3", "-c", $"import socket; socket.create_connection(('127.0.0.1', {port}), 1)"]),
            r => r.ExitCode == 0, $"pod {pod} listening on {port}", TimeSpan.FromSeconds(30));

    // A python HTTP server: "/" greets, "/bytes/N" sends N pattern bytes, POST "/sha256" answers the body's SHA-256.
    // Each answer closes its connection and says so, so the client never reuses one the pod is closing.
    private static string WebContainer(int port, string bind = "0.0.0.0") => $$"""
              - name: web
                image: python:3.12
                args:
                - -c
                - |
                  import hashlib, http.server, os
                  class Handler(http.server.BaseHTTPRequestHandler):
                      def answer(self, body):
                          self.send_response(200)
                          self.send_header("Content-Length", str(len(body)))
                          self.send_header("Connection", "close")
                          self.end_headers()
                          self.wfile.write(body)
                      def do_GET(self):
                          if self.path.startswith("/bytes/"):
                              n = int(self.path[7:])
                              self.answer((bytes(range(256)) * (n // 256 + 1))[:n])
                          else:
                              self.answer(("hello from " + os.environ["HOSTNAME"]).encode())
                      def do_POST(self):
                          body = self.rfile.read(int(self.headers["Content-Length"]))
                          self.answer(hashlib.sha256(body).hexdigest().encode())
                      def log_message(self, *args):
                          pass
                  http.server.ThreadingHTTPServer(("{{bind}}", {{port}}), Handler).serve_forever()
                ports: [{name: http, containerPort: {{port}}}]
            """;

    private async Task<Infrastructure.Kubectl> ServiceAccountKubectlAsync(string ns, string name, string podVerbs, string[] verbs, string subresource = "pods/exec")
    {
        await cluster.Kubectl.SucceedAsync($"create serviceaccount {name} -n {ns}");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: {{name}}}
            rules:
            - {apiGroups: [""], resources: [pods], verbs: {{podVerbs}}}
            - {apiGroups: [""], resources: [{{subresource}}], verbs: [{{string.Join(", ", verbs)}}]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: {{name}}}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: {{name}}}
            subjects: [{kind: ServiceAccount, name: {{name}}, namespace: {{ns}}}]
            """);
        var token = (await cluster.Kubectl.SucceedAsync($"create token {name} -n {ns}")).Trim();
        var path = Path.Combine(cluster.Directory, $"kubeconfig-{ns}-{name}");
        cluster.Server.WriteKubeconfigForToken(path, token, ns);
        return new Infrastructure.Kubectl(path, Path.Combine(cluster.Directory, $"cache-{ns}-{name}"));
    }

    private static string ShellContainer(string name) => $$"""
              - name: {{name}}
                image: busybox:1.36
                command: ["sh", "-c", "echo started; exec sleep 3600"]
            """;

    private async Task StartPodAsync(string ns, string name, string containers, string restartPolicy = "Always")
    {
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{name}}
              labels: {app: {{name}} }
            spec:
              restartPolicy: {{restartPolicy}}
              terminationGracePeriodSeconds: 2
              containers:
            {{containers}}
            """);
        await cluster.WaitForPodAsync(ns, name, p => p.Str("status", "phase") == "Running"
            && (p.At("status", "containerStatuses") as System.Text.Json.Nodes.JsonArray)!.Any(c => c.At("state", "running") is not null), "Running");
    }
}
