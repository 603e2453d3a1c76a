using System.Diagnostics;
using Xunit.Abstractions;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// <c>kubectl exec</c> and <c>kubectl port-forward</c> (the real kubectl 1.32) against pods the node runs: exec runs
/// inside the container (its environment, mounts, working directory) over WebSocket v5, or SPDY when the WebSocket is
/// refused; port-forward tunnels SPDY through a WebSocket to the pod's address. Errors and refusals in kube-apiserver's
/// words.
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

    private async Task<Infrastructure.Kubectl> ServiceAccountKubectlAsync(string ns, string name, string podVerbs, string[] execVerbs)
    {
        await cluster.Kubectl.SucceedAsync($"create serviceaccount {name} -n {ns}");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$"""
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: {{name}}}
            rules:
            - {apiGroups: [""], resources: [pods], verbs: {{podVerbs}}}
            - {apiGroups: [""], resources: [pods/exec], verbs: [{{string.Join(", ", execVerbs)}}]}
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
