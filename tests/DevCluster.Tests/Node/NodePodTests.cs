using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// Pods on the DevCluster node are real processes, seen through the real kubectl: environment from the downward API,
/// Secrets and ConfigMaps; volumes at their mountPaths; crash-loop back-off; graceful termination; FailedMount while a
/// Secret is missing; readiness probes driving Ready.
/// </summary>
public sealed class NodePodTests(NodeFixture cluster) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task A_container_sees_its_environment_and_volumes_at_their_mount_paths()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"create secret generic creds -n {ns} --from-literal=password=s3cret");
        await cluster.Kubectl.SucceedAsync($"create configmap cfg -n {ns} --from-literal=greeting=hello --from-literal=file.txt=file-content");
        var script = string.Join("; ",
            "echo name=$POD_NAME ns=$POD_NS app=$APP sa=$SA ip=$IP",
            "echo password=$PASSWORD greeting=$GREETING missing=[$MISSING] prefixed=$CFG_greeting",
            "echo expanded=$(GREETING)-x escaped='$$(GREETING)'",
            "echo file=$(cat /etc/node-test/cfg/file.txt)",
            "echo secret=$(cat /etc/node-test/secret/pw) mode=$(stat -L -c %a /etc/node-test/secret/pw)",
            "echo namespace=$(cat /var/run/secrets/kubernetes.io/serviceaccount/namespace)",
            "echo ca=$(head -1 /var/run/secrets/kubernetes.io/serviceaccount/ca.crt)",
            "echo token=$(cat /var/run/secrets/kubernetes.io/serviceaccount/token)",
            "touch /scratch/written && echo scratch=$(ls /scratch)");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: env, labels: {app: demo}}
            spec:
              restartPolicy: Never
              containers:
              - name: main
                image: busybox:1.36
                command: ["sh", "-c"]
                args: ["{{{script.Replace("\"", "\\\"", StringComparison.Ordinal)}}}"]
                envFrom:
                - prefix: CFG_
                  configMapRef: {name: cfg}
                env:
                - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name} } }
                - {name: POD_NS, valueFrom: {fieldRef: {fieldPath: metadata.namespace} } }
                - {name: APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"} } }
                - {name: SA, valueFrom: {fieldRef: {fieldPath: spec.serviceAccountName} } }
                - {name: IP, valueFrom: {fieldRef: {fieldPath: status.podIP} } }
                - {name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password} } }
                - {name: GREETING, valueFrom: {configMapKeyRef: {name: cfg, key: greeting} } }
                - {name: MISSING, valueFrom: {configMapKeyRef: {name: absent, key: x, optional: true} } }
                volumeMounts:
                - {name: cfg, mountPath: /etc/node-test/cfg}
                - {name: secret, mountPath: /etc/node-test/secret, readOnly: true}
                - {name: token, mountPath: /var/run/secrets/kubernetes.io/serviceaccount, readOnly: true}
                - {name: scratch, mountPath: /scratch}
              volumes:
              - name: cfg
                configMap: {name: cfg, items: [{key: file.txt, path: file.txt}]}
              - name: secret
                secret: {secretName: creds, items: [{key: password, path: pw, mode: 0400}]}
              - name: scratch
                emptyDir: {}
              - name: token
                projected:
                  sources:
                  - serviceAccountToken: {audience: node-test, expirationSeconds: 3600, path: token}
                  - configMap: {name: kube-root-ca.crt, items: [{key: ca.crt, path: ca.crt}]}
                  - downwardAPI: {items: [{path: namespace, fieldRef: {fieldPath: metadata.namespace}}]}
            """);

        var pod = await cluster.WaitForPodAsync(ns, "env", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        Assert.Equal(0, (int)pod.At("status", "containerStatuses", 0, "state", "terminated", "exitCode")!);
        var logs = await cluster.Kubectl.SucceedAsync($"logs env -n {ns}");
        Assert.Contains($"name=env ns={ns} app=demo sa=default ip={pod.Str("status", "podIP")}", logs, StringComparison.Ordinal);
        Assert.Contains("password=s3cret greeting=hello missing=[] prefixed=hello", logs, StringComparison.Ordinal);
        Assert.Contains("expanded=hello-x escaped=$(GREETING)", logs, StringComparison.Ordinal);
        Assert.Contains("file=file-content", logs, StringComparison.Ordinal);
        Assert.Contains("secret=s3cret mode=400", logs, StringComparison.Ordinal);
        Assert.Contains($"namespace={ns}", logs, StringComparison.Ordinal);
        Assert.Contains("ca=-----BEGIN CERTIFICATE-----", logs, StringComparison.Ordinal);
        Assert.Contains("scratch=written", logs, StringComparison.Ordinal);

        // The projected token is a TokenRequest for the pod's ServiceAccount with the declared audience and lifetime.
        var token = logs.Split('\n').Single(l => l.StartsWith("token=", StringComparison.Ordinal))["token=".Length..].Trim();
        var claims = JsonNode.Parse(Base64Url(token.Split('.')[1]))!;
        Assert.Equal("node-test", (string?)claims["aud"]![0]);
        Assert.Equal($"system:serviceaccount:{ns}:default", (string?)claims["sub"]);
        Assert.Equal(3600, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal("env", (string?)claims["kubernetes.io"]!["pod"]!["name"]);

        // The mounts were the container's alone: the host's mountPath folders are empty.
        Assert.False(File.Exists("/etc/node-test/cfg/file.txt"), "the ConfigMap volume leaked into the host's mount namespace");
    }

    [Fact]
    public async Task A_crashing_container_restarts_with_a_doubling_back_off_and_keeps_its_previous_log()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: crash}
            spec:
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "echo run at $(date +%s); exit 3"]
            """);

        var pod = await cluster.WaitForPodAsync(ns, "crash", p =>
            (long)p.At("status", "containerStatuses", 0, "restartCount")! >= 1 &&
            p.Str("status", "containerStatuses", 0, "state", "waiting", "reason") == "CrashLoopBackOff", "in CrashLoopBackOff after a restart");
        var status = pod.At("status", "containerStatuses", 0)!;
        Assert.Equal(3, (int)status.At("lastState", "terminated", "exitCode")!);
        Assert.Equal("Error", status.Str("lastState", "terminated", "reason"));
        Assert.StartsWith("back-off 2s restarting failed container=main pod=crash_", status.Str("state", "waiting", "message"), StringComparison.Ordinal);
        Assert.Contains("run at", await cluster.Kubectl.SucceedAsync($"logs crash -n {ns} --previous"), StringComparison.Ordinal);

        // The next back-off doubles.
        pod = await cluster.WaitForPodAsync(ns, "crash", p =>
            p.Str("status", "containerStatuses", 0, "state", "waiting", "message")?.StartsWith("back-off 4s", StringComparison.Ordinal) == true, "backing off 4s");
        Assert.True((long)pod.At("status", "containerStatuses", 0, "restartCount")! >= 2, pod.ToJsonString());
        var events = await cluster.Kubectl.SucceedAsync($"get events -n {ns} --field-selector reason=BackOff -o name");
        Assert.NotEmpty(events.Trim());
    }

    [Fact]
    public async Task A_configmap_volume_follows_the_configmap()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"create configmap live -n {ns} --from-literal=value=first");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: reader}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "while true; do echo value=$(cat /etc/node-live/value); sleep 0.2; done"]
                volumeMounts: [{name: live, mountPath: /etc/node-live}]
              volumes:
              - name: live
                configMap: {name: live}
            """);
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs reader -n {ns} --tail=1"), r => r.Stdout.Contains("value=first", StringComparison.Ordinal), "the first value");
        await cluster.Kubectl.SucceedAsync(["patch", "configmap", "live", "-n", ns, "--type=merge", "-p", """{"data":{"value":"second"}}"""]);
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs reader -n {ns} --tail=1"), r => r.Stdout.Contains("value=second", StringComparison.Ordinal), "the updated value in the running container");
        await cluster.Kubectl.SucceedAsync($"delete pod reader -n {ns} --wait=false");
    }

    [Fact]
    public async Task Deleting_a_pod_sends_SIGTERM_and_SIGKILLs_after_the_grace_period()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: polite}
            spec:
              terminationGracePeriodSeconds: 20
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "trap 'echo got TERM; exit 0' TERM; echo started; while true; do sleep 0.1; done"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: stubborn}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "trap '' TERM; echo pid=$$$$; while true; do sleep 0.1; done"]
            """);
        var polite = await cluster.WaitForPodAsync(ns, "polite", p => p.Str("status", "phase") == "Running", "Running");
        var stubborn = await cluster.WaitForPodAsync(ns, "stubborn", p => p.Str("status", "phase") == "Running", "Running");
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs polite -n {ns}"), r => r.Stdout.Contains("started", StringComparison.Ordinal), "polite started");
        var pidLine = await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs stubborn -n {ns}"), r => r.Stdout.Contains("pid=", StringComparison.Ordinal), "stubborn's pid");
        var pid = pidLine.Stdout.Split('\n').First(l => l.StartsWith("pid=", StringComparison.Ordinal))["pid=".Length..].Trim();

        // $$$$ is the shell's $$ once the kubelet's $(VAR) expansion has turned $$ into $.
        var deleted = DateTime.UtcNow;
        await cluster.Kubectl.SucceedAsync($"delete pod polite stubborn -n {ns} --wait=false");
        var politeLog = LogFile(ns, polite);
        await Eventually.MatchAsync(() => Task.FromResult(File.ReadAllText(politeLog)), t => t.Contains("got TERM", StringComparison.Ordinal), "polite to log its SIGTERM");

        var beforeGrace = TimeSpan.FromSeconds(1) - (DateTime.UtcNow - deleted);
        if (beforeGrace > TimeSpan.Zero)
        {
            await Task.Delay(beforeGrace);
        }

        Assert.True(System.IO.Directory.Exists($"/proc/{pid}"), "the process ignoring SIGTERM was killed before its grace period");
        await Eventually.MatchAsync(() => Task.FromResult(System.IO.Directory.Exists($"/proc/{pid}")), alive => !alive, "SIGKILL after the 2 s grace period", TimeSpan.FromSeconds(10));
        Assert.True(DateTime.UtcNow - deleted < TimeSpan.FromSeconds(10));
        _ = stubborn;
    }

    [Fact]
    public async Task A_pod_whose_secret_is_missing_waits_in_ContainerCreating_with_FailedMount_and_starts_once_it_exists()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: waits}
            spec:
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "echo key=$(cat /etc/node-later/key); while true; do sleep 0.2; done"]
                volumeMounts: [{name: later, mountPath: /etc/node-later}]
              volumes:
              - name: later
                secret: {secretName: later}
            """);
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"get events -n {ns} --field-selector reason=FailedMount -o jsonpath={{.items[*].message}}"),
            r => r.Stdout.Contains("MountVolume.SetUp failed for volume \"later\" : secret \"later\" not found", StringComparison.Ordinal), "a FailedMount Event");
        var pod = await cluster.PodAsync(ns, "waits");
        Assert.Equal("Pending", pod.Str("status", "phase"));
        Assert.Equal("ContainerCreating", pod.Str("status", "containerStatuses", 0, "state", "waiting", "reason"));

        await cluster.Kubectl.SucceedAsync($"create secret generic later -n {ns} --from-literal=key=arrived");
        await cluster.WaitForPodAsync(ns, "waits", p => p.Str("status", "phase") == "Running", "Running once the Secret exists");
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs waits -n {ns}"), r => r.Stdout.Contains("key=arrived", StringComparison.Ordinal), "the Secret's key in the log");
        await cluster.Kubectl.SucceedAsync($"delete pod waits -n {ns} --wait=false");
    }

    [Fact]
    public async Task A_container_whose_env_secret_is_missing_waits_with_CreateContainerConfigError_naming_it_and_starts_once_it_exists()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: configwait}
            spec:
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "echo token=$TOKEN; while true; do sleep 0.2; done"]
                env:
                - {name: TOKEN, valueFrom: {secretKeyRef: {name: api-token, key: token} } }
            """);
        var waiting = await cluster.WaitForPodAsync(ns, "configwait",
            p => p.Str("status", "containerStatuses", 0, "state", "waiting", "reason") == "CreateContainerConfigError", "CreateContainerConfigError");
        Assert.Equal("secret \"api-token\" not found", waiting.Str("status", "containerStatuses", 0, "state", "waiting", "message"));
        Assert.Equal("Pending", waiting.Str("status", "phase"));

        await cluster.Kubectl.SucceedAsync($"create secret generic api-token -n {ns} --from-literal=token=arrived");
        await cluster.WaitForPodAsync(ns, "configwait", p => p.Str("status", "phase") == "Running", "Running once the Secret exists");
        await Eventually.MatchAsync(() => cluster.Kubectl.RunAsync($"logs configwait -n {ns}"), r => r.Stdout.Contains("token=arrived", StringComparison.Ordinal), "the Secret's key in the log");
        await cluster.Kubectl.SucceedAsync($"delete pod configwait -n {ns} --wait=false");
    }

    [Fact]
    public async Task A_readiness_probe_drives_Ready_and_follow_streams_the_log()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        var port = FreePort();
        var site = System.IO.Directory.CreateTempSubdirectory("node-probe-").FullName;
        try
        {
            await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$$"""
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  terminationGracePeriodSeconds: 2
                  containers:
                  - name: web
                    image: python:3.11
                    args: ["-u", "-m", "http.server", "{{{port}}}", "--bind", "0.0.0.0"]
                    workingDir: {{{site}}}
                    ports: [{name: http, containerPort: {{{port}}} }]
                    readinessProbe:
                      httpGet: {path: /ready, port: http}
                      periodSeconds: 1
                      failureThreshold: 1
                    livenessProbe:
                      tcpSocket: {port: {{{port}}} }
                      periodSeconds: 1
                    startupProbe:
                      tcpSocket: {port: {{{port}}} }
                      periodSeconds: 1
                      failureThreshold: 30
            """);
            await cluster.WaitForPodAsync(ns, "web", p => p.Str("status", "phase") == "Running", "Running");
            await Task.Delay(TimeSpan.FromSeconds(2));
            var pod = await cluster.PodAsync(ns, "web");
            Assert.Equal("False", pod.Condition("Ready")?.Str("status"));
            Assert.False((bool)pod.At("status", "containerStatuses", 0, "ready")!);

            await File.WriteAllTextAsync(Path.Combine(site, "ready"), "ok");
            await cluster.WaitForPodAsync(ns, "web", p => p.Condition("Ready")?.Str("status") == "True", "Ready once /ready answers 200");
            File.Delete(Path.Combine(site, "ready"));
            await cluster.WaitForPodAsync(ns, "web", p => p.Condition("Ready")?.Str("status") == "False", "not Ready once /ready answers 404");
            Assert.Equal(0L, (long)(await cluster.PodAsync(ns, "web")).At("status", "containerStatuses", 0, "restartCount")!);

            // The probes' requests are in the server's log; follow streams until the container stops.
            var follow = cluster.Kubectl.RunAsync($"logs web -n {ns} -f --timestamps --tail=2", timeout: TimeSpan.FromSeconds(30));
            await Task.Delay(TimeSpan.FromSeconds(2));
            await cluster.Kubectl.SucceedAsync($"delete pod web -n {ns} --wait=false");
            var followed = await follow;
            Assert.Contains("GET /ready", followed.Stdout, StringComparison.Ordinal);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT", followed.Stdout);
        }
        finally
        {
            System.IO.Directory.Delete(site, recursive: true);
        }
    }

    [Fact]
    public async Task Init_containers_run_in_order_and_a_native_sidecar_runs_beside_the_container()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: init}
            spec:
              restartPolicy: Never
              terminationGracePeriodSeconds: 5
              initContainers:
              - name: prepare
                image: busybox
                command: ["sh", "-c", "echo prepared > /node-test-work/state"]
                volumeMounts: [{name: work, mountPath: /node-test-work}]
              - name: sidecar
                image: busybox
                restartPolicy: Always
                command: ["sh", "-c", "trap 'exit 0' TERM; echo beside > /node-test-work/sidecar; while true; do sleep 0.1; done"]
                volumeMounts: [{name: work, mountPath: /node-test-work}]
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "while [ ! -f /node-test-work/sidecar ]; do sleep 0.1; done; cat /node-test-work/state /node-test-work/sidecar"]
                volumeMounts: [{name: work, mountPath: /node-test-work}]
              volumes:
              - name: work
                emptyDir: {}
            """);

        var pod = await cluster.WaitForPodAsync(ns, "init", p => p.Str("status", "phase") == "Succeeded"
            && p.Str("status", "initContainerStatuses", 1, "state", "terminated", "reason") == "Completed", "Succeeded with its sidecar stopped");
        Assert.Equal("Completed", pod.Str("status", "initContainerStatuses", 0, "state", "terminated", "reason"));
        var logs = await cluster.Kubectl.SucceedAsync($"logs init -n {ns} -c main");
        Assert.Contains("prepared", logs, StringComparison.Ordinal);
        Assert.Contains("beside", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_liveness_probe_restarts_the_container()
    {
        var ns = await cluster.CreateNamespaceAsync("node");
        var port = FreePort();
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: sick}
            spec:
              terminationGracePeriodSeconds: 2
              containers:
              - name: web
                image: python
                args: ["-u", "-m", "http.server", "{{{port}}}", "--bind", "0.0.0.0"]
                livenessProbe:
                  httpGet: {path: /alive, port: {{{port}}} }
                  # python takes over a second to listen on a loaded machine; the 404s come after that.
                  initialDelaySeconds: 3
                  periodSeconds: 1
                  failureThreshold: 2
                startupProbe:
                  tcpSocket: {port: {{{port}}} }
                  periodSeconds: 1
                  failureThreshold: 30
            """);
        await cluster.WaitForPodAsync(ns, "sick", p => (long)p.At("status", "containerStatuses", 0, "restartCount")! >= 1, "restarted after failing its liveness probe");
        // The startup probe holds the liveness probe back until the server listens (python starts slowly on a busy
        // machine), so its failures are the 404s.
        var events = await Eventually.MatchAsync(
            () => cluster.Kubectl.SucceedAsync($"get events -n {ns} -o jsonpath={{.items[*].message}}"),
            e => e.Contains("Liveness probe failed: HTTP probe failed with statuscode: 404", StringComparison.Ordinal),
            "a liveness failure with status 404", TimeSpan.FromSeconds(30));
        Assert.Contains("Container web failed liveness probe, will be restarted", events, StringComparison.Ordinal);
        await cluster.Kubectl.SucceedAsync($"delete pod sick -n {ns} --wait=false");
    }

    private string LogFile(string ns, JsonObject pod) =>
        Path.Combine(cluster.NodeDirectory, "logs", $"{ns}_{pod.Str("metadata", "name")}_{pod.Str("metadata", "uid")}", "main", "0.log");

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string Base64Url(string text)
    {
        var padded = text.Replace('-', '+').Replace('_', '/');
        padded += new string('=', (4 - (padded.Length % 4)) % 4);
        return Encoding.UTF8.GetString(Convert.FromBase64String(padded));
    }
}
