using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// A container's lifecycle on the node as the kubelet drives it, through the real kubectl: the startup probe holding
/// readiness and liveness back and restarting on failure, exec probes and hooks run inside the container as its user,
/// postStart before the container counts as running, preStop before SIGTERM, their failures' Events, and termination
/// messages from the file or the log.
/// </summary>
public sealed class NodeLifecycleTests(NodeFixture cluster) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task A_startup_probe_holds_readiness_and_liveness_back_until_it_succeeds_and_exec_probes_run_inside_the_container()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: slow}
            spec:
              terminationGracePeriodSeconds: 1
              securityContext: {runAsUser: 1000}
              containers:
              - name: main
                image: busybox
                workingDir: /node-test-probes
                env: [{name: PROBE_ENV, value: from-spec}]
                command: ["sh", "-c", "sleep 4; touch /node-test-probes/started; exec sleep 300"]
                volumeMounts: [{name: work, mountPath: /node-test-probes}]
                startupProbe:
                  exec: {command: ["test", "-f", "/node-test-probes/started"]}
                  periodSeconds: 1
                  failureThreshold: 30
                readinessProbe:
                  exec: {command: ["sh", "-c", "echo $(id -u) $(pwd) $PROBE_ENV >> /node-test-probes/readiness"]}
                  periodSeconds: 1
                livenessProbe:
                  exec: {command: ["sh", "-c", "echo alive >> /node-test-probes/liveness"]}
                  periodSeconds: 1
              volumes:
              - {name: work, emptyDir: {}}
            """);

        // The emptyDir is at /node-test-probes only in the container's mount namespace: the probes can only pass by running there.
        var pod = await cluster.WaitForPodAsync(ns, "slow", p => p.At("status", "containerStatuses", 0, "state", "running") is not null, "running");
        var work = Path.Combine(cluster.NodeDirectory, "pods", pod.Str("metadata", "uid")!, "volumes", "work");
        Assert.False(File.Exists("/node-test-probes/started"));
        while ((pod = await cluster.PodAsync(ns, "slow")).At("status", "containerStatuses", 0, "started")?.GetValue<bool>() != true)
        {
            // While the startup probe has not succeeded, the container is neither started nor ready and no other probe ran.
            Assert.False(pod.At("status", "containerStatuses", 0, "ready")!.GetValue<bool>());
            Assert.False(File.Exists(Path.Combine(work, "readiness")), "the readiness probe ran before the startup probe succeeded");
            Assert.False(File.Exists(Path.Combine(work, "liveness")), "the liveness probe ran before the startup probe succeeded");
            await Task.Delay(200);
        }

        await cluster.WaitForPodAsync(ns, "slow", p => p.Condition("Ready")?.Str("status") == "True", "Ready once the startup probe succeeded");
        Assert.StartsWith("1000 /node-test-probes from-spec\n", await File.ReadAllTextAsync(Path.Combine(work, "readiness")), StringComparison.Ordinal);
        await Eventually.MatchAsync(() => Task.FromResult(File.Exists(Path.Combine(work, "liveness"))), e => e, "the liveness probe to run");
        Assert.Contains("Startup probe failed: ", await cluster.EventsAsync(ns), StringComparison.Ordinal);
        Assert.Equal(0L, (long)(await cluster.PodAsync(ns, "slow")).At("status", "containerStatuses", 0, "restartCount")!);
        await cluster.Kubectl.SucceedAsync($"delete pod slow -n {ns} --wait=false");
    }

    [Fact]
    public async Task A_failing_startup_probe_kills_and_restarts_the_container()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: never-starts}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                command: ["sleep", "300"]
                startupProbe:
                  exec: {command: ["sh", "-c", "echo not yet; exit 1"]}
                  periodSeconds: 1
                  failureThreshold: 2
            """);

        var pod = await cluster.WaitForPodAsync(ns, "never-starts", p => (long)p.At("status", "containerStatuses", 0, "restartCount")! >= 1, "restarted by its startup probe");
        Assert.False(pod.At("status", "containerStatuses", 0, "started")!.GetValue<bool>());
        Assert.NotNull(pod.At("status", "containerStatuses", 0, "lastState", "terminated"));
        var events = await cluster.EventsAsync(ns);
        Assert.Contains("Unhealthy: Startup probe failed: not yet", events, StringComparison.Ordinal);
        Assert.Contains("Killing: Container main failed startup probe, will be restarted", events, StringComparison.Ordinal);
        await cluster.Kubectl.SucceedAsync($"delete pod never-starts -n {ns} --wait=false");
    }

    [Fact]
    public async Task PostStart_runs_before_the_container_is_running_and_preStop_before_SIGTERM()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        var hooks = System.IO.Directory.CreateTempSubdirectory("node-hooks-").FullName;
        var order = Path.Combine(hooks, "order");
        await File.WriteAllTextAsync(order, "");
        if (!OperatingSystem.IsWindows())
        {
            // The containers' user 1000 writes there too.
            File.SetUnixFileMode(hooks, (UnixFileMode)0b111_111_111);
            File.SetUnixFileMode(order, (UnixFileMode)0b110_110_110);
        }

        using var server = new HookServer(order);
        try
        {
            await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: hooked}
                spec:
                  terminationGracePeriodSeconds: 10
                  securityContext: {runAsUser: 1000}
                  containers:
                  - name: main
                    image: busybox
                    command: ["sh", "-c", "trap 'echo main TERM >> /hooks/order; exit 0' TERM; while true; do sleep 0.1; done"]
                    volumeMounts: [{name: hooks, mountPath: /hooks}]
                    lifecycle:
                      postStart: {exec: {command: ["sh", "-c", "sleep 1; echo main postStart $(id -u) >> /hooks/order"]}}
                      preStop: {exec: {command: ["sh", "-c", "echo main preStop >> /hooks/order; sleep 1"]}}
                  - name: web
                    image: busybox
                    command: ["sh", "-c", "trap 'echo web TERM >> /hooks/order; exit 0' TERM; while true; do sleep 0.1; done"]
                    volumeMounts: [{name: hooks, mountPath: /hooks}]
                    lifecycle:
                      postStart: {httpGet: {host: 127.0.0.1, port: {{{server.Port}}}, path: /postStart}}
                      preStop: {httpGet: {host: 127.0.0.1, port: {{{server.Port}}}, path: /preStop, httpHeaders: [{name: X-Hook, value: web}]}}
                  volumes:
                  - {name: hooks, hostPath: {path: {{{hooks}}} }}
                """);

            // The container is running only once its postStart hook has returned.
            var pod = await cluster.WaitForPodAsync(ns, "hooked", p => p.Str("status", "containerStatuses", 0, "state", "running", "startedAt") is not null
                && p.Str("status", "containerStatuses", 1, "state", "running", "startedAt") is not null, "both containers running");
            Assert.Contains("main postStart 1000", await File.ReadAllTextAsync(order), StringComparison.Ordinal);
            Assert.Contains("web GET /postStart", await File.ReadAllTextAsync(order), StringComparison.Ordinal);

            await cluster.Kubectl.SucceedAsync($"delete pod hooked -n {ns} --wait=false");
            var lines = (await Eventually.MatchAsync(() => File.ReadAllTextAsync(order), t => t.Contains("main TERM", StringComparison.Ordinal) && t.Contains("web TERM", StringComparison.Ordinal),
                "both containers to get SIGTERM", TimeSpan.FromSeconds(20))).Split('\n', StringSplitOptions.RemoveEmptyEntries).ToList();
            Assert.True(lines.IndexOf("main preStop") >= 0 && lines.IndexOf("main preStop") < lines.IndexOf("main TERM"), string.Join(" | ", lines));
            Assert.True(lines.IndexOf("web GET /preStop X-Hook=web") >= 0 && lines.IndexOf("web GET /preStop X-Hook=web") < lines.IndexOf("web TERM"), string.Join(" | ", lines));
            Assert.Contains("Killing: Stopping container main", await cluster.EventsAsync(ns), StringComparison.Ordinal);
            _ = pod;
        }
        finally
        {
            System.IO.Directory.Delete(hooks, recursive: true);
        }
    }

    [Fact]
    public async Task A_failing_postStart_hook_kills_the_container_and_a_failing_preStop_hook_is_reported()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: bad-start}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
                lifecycle:
                  postStart: {exec: {command: ["sh", "-c", "echo oops; exit 3"]}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: bad-stop}
            spec:
              terminationGracePeriodSeconds: 5
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 0.1; done"]
                lifecycle:
                  preStop: {exec: {command: ["sh", "-c", "exit 2"]}}
            """);

        var pod = await cluster.WaitForPodAsync(ns, "bad-start", p => (long)p.At("status", "containerStatuses", 0, "restartCount")! >= 1, "restarted after its postStart hook failed");
        // A container whose postStart hook fails never counts as running.
        Assert.Null(pod.At("status", "containerStatuses", 0, "state", "running"));
        Assert.False(pod.At("status", "containerStatuses", 0, "started")!.GetValue<bool>());
        var events = await cluster.EventsAsync(ns);
        Assert.Contains("FailedPostStartHook: PostStartHook failed", events, StringComparison.Ordinal);
        Assert.Contains("Killing: FailedPostStartHook", events, StringComparison.Ordinal);

        await cluster.WaitForPodAsync(ns, "bad-stop", p => p.Str("status", "containerStatuses", 0, "state", "running", "startedAt") is not null, "running");
        var deleted = DateTime.UtcNow;
        await cluster.Kubectl.SucceedAsync($"delete pod bad-stop -n {ns} --wait=false");
        await Eventually.MatchAsync(() => cluster.EventsAsync(ns), e => e.Contains("FailedPreStopHook: PreStopHook failed", StringComparison.Ordinal), "the FailedPreStopHook Event");
        await cluster.Kubectl.SucceedAsync($"delete pod bad-start -n {ns} --wait=false");
        Assert.True(DateTime.UtcNow - deleted < TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task A_termination_message_comes_from_the_file_or_the_log_tail()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: messages}
            spec:
              restartPolicy: Never
              containers:
              - name: file
                image: busybox
                command: ["sh", "-c", "printf 'all done' > /dev/termination-log"]
              - name: custom-path
                image: busybox
                securityContext: {runAsUser: 1000, readOnlyRootFilesystem: true}
                terminationMessagePath: /dev/custom-message
                command: ["sh", "-c", "printf 'custom path' > /dev/custom-message; exit 1"]
              - name: large
                image: busybox
                command: ["sh", "-c", "head -c 5000 /dev/zero | tr '\\0' x > /dev/termination-log"]
              - name: logs
                image: busybox
                terminationMessagePolicy: FallbackToLogsOnError
                command: ["sh", "-c", "echo first; echo second; echo last >&2; exit 4"]
              - name: logs-success
                image: busybox
                terminationMessagePolicy: FallbackToLogsOnError
                command: ["sh", "-c", "echo fine"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: crashing}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "echo crashed at $(date +%s%N) > /dev/termination-log; exit 1"]
            """);

        var pod = await cluster.WaitForPodAsync(ns, "messages", p => p.Str("status", "phase") is "Succeeded" or "Failed", "finished");
        string? Message(string container) =>
            (pod.At("status", "containerStatuses") as System.Text.Json.Nodes.JsonArray)!.First(c => c.Str("name") == container).Str("state", "terminated", "message");
        Assert.Equal("all done", Message("file"));
        Assert.Equal("custom path", Message("custom-path"));
        Assert.Equal(new string('x', 4096), Message("large"));
        // Both streams' lines, each stream in its order; stdout and stderr are read apart (as containerd's shim reads
        // them), so which of two streams' lines comes first in the log is not certain under load.
        var logs = Message("logs")!;
        Assert.Equal(["first", "last", "second"], logs.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
        Assert.True(logs.EndsWith('\n') && logs.IndexOf("first", StringComparison.Ordinal) < logs.IndexOf("second", StringComparison.Ordinal), logs);
        Assert.Null(Message("logs-success"));

        // A restarted container keeps its last run's message in lastState.
        pod = await cluster.WaitForPodAsync(ns, "crashing", p => p.Str("status", "containerStatuses", 0, "lastState", "terminated", "message") is not null, "with a message in lastState");
        Assert.StartsWith("crashed at ", pod.Str("status", "containerStatuses", 0, "lastState", "terminated", "message"), StringComparison.Ordinal);
        await cluster.Kubectl.SucceedAsync($"delete pod crashing messages -n {ns} --wait=false");
    }

    [Fact]
    public async Task A_command_that_cannot_be_found_ends_as_StartError()
    {
        var ns = await cluster.CreateNamespaceAsync("life");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: missing}
            spec:
              restartPolicy: Never
              containers:
              - {name: main, image: busybox, command: ["no-such-command", "arg"]}
            """);

        var pod = await cluster.WaitForPodAsync(ns, "missing", p => p.Str("status", "phase") == "Failed", "Failed");
        Assert.Equal(128, (int)pod.At("status", "containerStatuses", 0, "state", "terminated", "exitCode")!);
        Assert.Equal("StartError", pod.Str("status", "containerStatuses", 0, "state", "terminated", "reason"));
        Assert.Equal("failed to start container \"main\": exec: \"no-such-command\": executable file not found in $PATH",
            pod.Str("status", "containerStatuses", 0, "state", "terminated", "message"));
        Assert.Contains("Failed: Error: failed to start container \"main\"", await cluster.EventsAsync(ns), StringComparison.Ordinal);
    }

    /// <summary>Answers the httpGet hooks on loopback and writes each request into the order file.</summary>
    private sealed class HookServer : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource _stop = new();
        private readonly ConcurrentBag<Task> _connections = [];

        public HookServer(string order)
        {
            _listener.Start();
            _ = Task.Run(async () =>
            {
                while (!_stop.IsCancellationRequested)
                {
                    TcpClient client;
                    try
                    {
                        client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }

                    _connections.Add(AnswerAsync(client, order));
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
            _stop.Dispose();
        }

        private static async Task AnswerAsync(TcpClient client, string order)
        {
            using (client)
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                var request = await reader.ReadLineAsync() ?? "";
                var hook = "";
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                {
                    if (line.StartsWith("X-Hook:", StringComparison.OrdinalIgnoreCase))
                    {
                        hook = " X-Hook=" + line["X-Hook:".Length..].Trim();
                    }
                }

                var parts = request.Split(' ');
                await File.AppendAllTextAsync(order, $"web {parts[0]} {parts[1]}{hook}\n");
                await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
            }
        }
    }
}
