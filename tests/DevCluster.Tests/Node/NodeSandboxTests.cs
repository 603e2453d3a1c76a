namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// Each container runs in its own sandbox as a kubelet and runc run it, seen from the node (<c>/proc</c>) and through
/// the real kubectl: the user and groups of its securityContext or image, the kubelet's runAsNonRoot refusals,
/// readOnlyRootFilesystem, fsGroup ownership of its volumes, and its image's files alone at WORKDIR.
/// </summary>
public sealed class NodeSandboxTests(NodeFixture cluster) : IClassFixture<NodeFixture>
{
    [Fact]
    public async Task A_container_runs_as_its_runAsUser_with_its_groups_and_home()
    {
        var ns = await cluster.CreateNamespaceAsync("sandbox");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: ids}
            spec:
              terminationGracePeriodSeconds: 1
              securityContext: {runAsUser: 1234, runAsGroup: 2345, fsGroup: 3456, supplementalGroups: [4567]}
              containers:
              - name: pod-level
                image: busybox
                command: ["sh", "-c", "echo pid=$$$$ home=$HOME; exec sleep 300"]
              - name: container-level
                image: busybox
                securityContext: {runAsUser: 65534}
                command: ["sh", "-c", "echo pid=$$$$ home=$HOME; exec sleep 300"]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: image-user}
            spec:
              terminationGracePeriodSeconds: 1
              containers:
              - name: main
                image: node-test/named:1
                command: ["sh", "-c", "echo pid=$$$$ home=$HOME; exec sleep 300"]
            """);

        // $$$$ is the shell's $$ once the kubelet's $(VAR) expansion has turned $$ into $; exec keeps that PID.
        var podLevel = Fields(await cluster.WaitForLogAsync(ns, "ids", "pod-level", "pid="));
        var status = NodeFixture.ProcessStatus(podLevel["pid"]);
        Assert.Equal("1234 1234 1234 1234", status["Uid"]);
        Assert.Equal("2345 2345 2345 2345", status["Gid"]);
        Assert.Equal(["2345", "3456", "4567"], status["Groups"].Split(' ').Order());
        Assert.Equal("0000000000000000", status["CapEff"]);
        Assert.Equal("/", podLevel["home"]);

        // The container's securityContext wins over the pod's; HOME comes from the user's passwd entry.
        var containerLevel = Fields(await cluster.WaitForLogAsync(ns, "ids", "container-level", "pid="));
        status = NodeFixture.ProcessStatus(containerLevel["pid"]);
        Assert.Equal("65534 65534 65534 65534", status["Uid"]);
        Assert.Equal("2345 2345 2345 2345", status["Gid"]);
        Assert.Equal("/nonexistent", containerLevel["home"]);

        // Without a securityContext the image's USER (a name here) decides, with its passwd group.
        var imageUser = Fields(await cluster.WaitForLogAsync(ns, "image-user", "main", "pid="));
        status = NodeFixture.ProcessStatus(imageUser["pid"]);
        Assert.Equal("65534 65534 65534 65534", status["Uid"]);
        Assert.Equal("65534 65534 65534 65534", status["Gid"]);
        await cluster.Kubectl.SucceedAsync($"delete pod ids image-user -n {ns} --wait=false");
    }

    [Fact]
    public async Task RunAsNonRoot_refuses_a_container_that_would_run_as_root_as_the_kubelet_does()
    {
        var ns = await cluster.CreateNamespaceAsync("sandbox");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: root-image}
            spec:
              securityContext: {runAsNonRoot: true}
              containers:
              - {name: main, image: busybox, command: ["sleep", "300"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: root-user}
            spec:
              containers:
              - {name: main, image: busybox, command: ["sleep", "300"], securityContext: {runAsNonRoot: true, runAsUser: 0}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: named-user}
            spec:
              securityContext: {runAsNonRoot: true}
              containers:
              - {name: main, image: node-test/named, command: ["sleep", "300"]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: numeric-user}
            spec:
              restartPolicy: Never
              securityContext: {runAsNonRoot: true}
              containers:
              - {name: main, image: node-test/app}
            """);

        foreach (var (name, message) in new[]
        {
            ("root-image", "container has runAsNonRoot and image will run as root"),
            ("root-user", "container's runAsUser breaks non-root policy"),
            ("named-user", "container has runAsNonRoot and image has non-numeric user (nobody), cannot verify user is non-root"),
        })
        {
            var pod = await cluster.WaitForPodAsync(ns, name, p => p.Str("status", "containerStatuses", 0, "state", "waiting", "reason") == "CreateContainerConfigError", "refused");
            var expected = $"{message} (pod: \"{name}_{ns}({pod.Str("metadata", "uid")})\", container: main)";
            Assert.Equal(expected, pod.Str("status", "containerStatuses", 0, "state", "waiting", "message"));
            Assert.Equal("Pending", pod.Str("status", "phase"));
            Assert.Contains("Failed: Error: " + expected, await cluster.EventsAsync(ns), StringComparison.Ordinal);
        }

        // A numeric non-root USER is verifiable: the container runs.
        await cluster.WaitForPodAsync(ns, "numeric-user", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        Assert.Contains("uid=65532 gid=65532", await cluster.Kubectl.SucceedAsync($"logs numeric-user -n {ns}"), StringComparison.Ordinal);
        await cluster.Kubectl.SucceedAsync($"delete pod root-image root-user named-user -n {ns} --wait=false");
    }

    [Fact]
    public async Task A_readOnlyRootFilesystem_container_cannot_write_its_root_but_writes_its_emptyDir()
    {
        var ns = await cluster.CreateNamespaceAsync("sandbox");
        var hostFile = $"/tmp/node-sandbox-{Guid.NewGuid():N}";
        var script = string.Join("; ",
            $"touch {hostFile} 2>&1 || echo root=refused",
            "echo hello > /scratch/file && echo scratch=$(cat /scratch/file)",
            "touch /dev/shm/x && echo shm=writable",
            "mount -o remount,rw / 2>/dev/null || echo remount=refused",
            "echo done > /dev/termination-log");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", $$$"""
            apiVersion: v1
            kind: Pod
            metadata: {name: ro}
            spec:
              restartPolicy: Never
              containers:
              - name: locked
                image: busybox
                command: ["sh", "-c", "{{{script}}}"]
                securityContext: {readOnlyRootFilesystem: true}
                volumeMounts: [{name: scratch, mountPath: /scratch}]
              volumes:
              - {name: scratch, emptyDir: {}}
            """);

        var pod = await cluster.WaitForPodAsync(ns, "ro", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        var logs = await cluster.Kubectl.SucceedAsync($"logs ro -n {ns}");
        Assert.Matches($"touch: .*{hostFile}.*: Read-only file system\nroot=refused", logs);
        Assert.Contains("scratch=hello", logs, StringComparison.Ordinal);
        Assert.Contains("shm=writable", logs, StringComparison.Ordinal);
        Assert.Contains("remount=refused", logs, StringComparison.Ordinal);
        Assert.Equal("done\n", pod.Str("status", "containerStatuses", 0, "state", "terminated", "message"));
        Assert.False(File.Exists(hostFile));
    }

    [Fact]
    public async Task FsGroup_lets_a_non_root_container_read_its_token_and_secrets_and_share_its_emptyDir()
    {
        var ns = await cluster.CreateNamespaceAsync("sandbox");
        await cluster.Kubectl.SucceedAsync($"create secret generic creds -n {ns} --from-literal=password=s3cret");
        var script = string.Join("; ",
            "echo token=$(stat -L -c '%a %g' /var/run/secrets/kubernetes.io/serviceaccount/token) bytes=$(wc -c < /var/run/secrets/kubernetes.io/serviceaccount/token)",
            "echo secret=$(stat -L -c '%a %g' /etc/creds/pw) content=$(cat /etc/creds/pw 2>&1)",
            "echo scratch=$(stat -c '%a %g' /scratch)",
            "touch /scratch/new && echo created=$(stat -c '%g' /scratch/new)");
        var pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: NAME}
            spec:
              restartPolicy: Never
              securityContext: CONTEXT
              containers:
              - name: main
                image: busybox
                command: ["sh", "-c", "SCRIPT"]
                volumeMounts:
                - {name: creds, mountPath: /etc/creds, readOnly: true}
                - {name: scratch, mountPath: /scratch}
              volumes:
              - {name: creds, secret: {secretName: creds, items: [{key: password, path: pw, mode: 0400}]}}
              - {name: scratch, emptyDir: {}}
            """.Replace("SCRIPT", script, StringComparison.Ordinal);
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", pod.Replace("NAME", "grouped", StringComparison.Ordinal).Replace("CONTEXT", "{runAsUser: 1000, runAsGroup: 1000, fsGroup: 2000}", StringComparison.Ordinal)
            + "\n---\n" + pod.Replace("NAME", "ungrouped", StringComparison.Ordinal).Replace("CONTEXT", "{runAsUser: 1000, runAsGroup: 1000}", StringComparison.Ordinal));

        // As the kubelet: the token is written 0600 and given group read (0640), the 0400 secret becomes 0440, the
        // emptyDir 2777, all group fsGroup; what the container creates inherits the group.
        await cluster.WaitForPodAsync(ns, "grouped", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        var logs = await cluster.Kubectl.SucceedAsync($"logs grouped -n {ns}");
        Assert.Matches(@"token=640 2000 bytes=[1-9]\d+", logs);
        Assert.Contains("secret=440 2000 content=s3cret", logs, StringComparison.Ordinal);
        Assert.Contains("scratch=2777 2000", logs, StringComparison.Ordinal);
        Assert.Contains("created=2000", logs, StringComparison.Ordinal);

        // Without fsGroup the token keeps the default 0644 and the 0400 secret stays root's.
        await cluster.WaitForPodAsync(ns, "ungrouped", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        logs = await cluster.Kubectl.SucceedAsync($"logs ungrouped -n {ns}");
        Assert.Matches(@"token=644 0 bytes=[1-9]\d+", logs);
        Assert.Matches("secret=400 0 content=cat: .*/etc/creds/pw.*: Permission denied", logs);
        Assert.Contains("scratch=777 0", logs, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_container_sees_only_its_image_files_at_WORKDIR_read_only_and_a_private_dev()
    {
        var ns = await cluster.CreateNamespaceAsync("sandbox");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: v1
            kind: Pod
            metadata: {name: app}
            spec:
              restartPolicy: Never
              automountServiceAccountToken: false
              containers:
              - {name: main, image: "node-test/app:1.0"}
            """);

        await cluster.WaitForPodAsync(ns, "app", p => p.Str("status", "phase") == "Succeeded", "Succeeded");
        var logs = await cluster.Kubectl.SucceedAsync($"logs app -n {ns}");
        Assert.Contains("cwd=/app\n", logs, StringComparison.Ordinal);
        Assert.Contains("files=data.txt,main.py\n", logs, StringComparison.Ordinal);
        Assert.Contains("data=image data\n", logs, StringComparison.Ordinal);
        Assert.Contains("write=refused Read-only file system\n", logs, StringComparison.Ordinal);
        Assert.Contains("dev=fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,termination-log,tty,urandom,zero\n", logs, StringComparison.Ordinal);
        Assert.Contains("uid=65532 gid=65532 home=/\n", logs, StringComparison.Ordinal);

        // The image's files were the container's alone: the node's /app does not hold them and nothing was written.
        Assert.False(File.Exists("/app/main.py"), "the image's files leaked into the node's /app");
        Assert.Equal(["data.txt", "main.py"], System.IO.Directory.GetFiles(cluster.AppImageDirectory).Select(Path.GetFileName).Order());
    }

    private static Dictionary<string, string> Fields(string line) =>
        line.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(f => f.Split('=', 2)).Where(f => f.Length == 2)
            .GroupBy(f => f[0]).ToDictionary(g => g.Key, g => g.First()[1], StringComparer.Ordinal);
}
