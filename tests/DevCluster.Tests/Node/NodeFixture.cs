using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// A cluster whose pods run on the DevCluster node as real processes: <c>busybox</c> is the host's <c>sh</c> (no
/// ENTRYPOINT, CMD <c>sh</c>, as the image) and <c>python</c> the host's python3; <c>node-test/app</c> is an image
/// with files (a python program and its data, bound read-only at WORKDIR <c>/app</c>) and <c>USER 65532:65532</c>, as
/// the project's images are; <c>node-test/named</c> runs <c>sh</c> as the named user <c>nobody</c>. The crash-loop
/// back-off starts at 2 s so its doubling is seen quickly.
/// </summary>
public sealed class NodeFixture : ClusterFixture
{
    public string NodeDirectory => Path.Combine(Directory, "node");

    /// <summary>The files of the <c>node-test/app</c> image.</summary>
    public string AppImageDirectory => Path.Combine(Directory, "image-app");

    protected override DevClusterOptions Options => base.Options with
    {
        Node = new NodeOptions
        {
            Directory = NodeDirectory,
            Images = new NodeImageMap(
            [
                new NodeImage("busybox", [], ["sh"], "/"),
                new NodeImage("python", ["/usr/bin/python3"], [], "/"),
                new NodeImage("node-test/app", ["/usr/bin/python3"], ["main.py"], "/app") { Files = AppImageDirectory, User = "65532:65532" },
                new NodeImage("node-test/named", [], ["sh"], "/") { User = "nobody" },
            ]),
            InitialBackOff = TimeSpan.FromSeconds(2),
            VolumeSyncPeriod = TimeSpan.FromMilliseconds(300),
        },
    };

    public override async Task InitializeAsync()
    {
        // The image's program reports what it sees: its folder, its files, whether it can write there, /dev and who it is.
        System.IO.Directory.CreateDirectory(AppImageDirectory);
        await File.WriteAllTextAsync(Path.Combine(AppImageDirectory, "data.txt"), "image data\n");
        await File.WriteAllTextAsync(Path.Combine(AppImageDirectory, "main.py"), """
            import os
            print("cwd=" + os.getcwd())
            print("files=" + ",".join(sorted(os.listdir("."))))
            print("data=" + open("data.txt").read().strip())
            try:
                open("written.txt", "w").close()
                print("write=allowed")
            except OSError as e:
                print("write=refused " + e.strerror)
            print("dev=" + ",".join(sorted(os.listdir("/dev"))))
            print("uid=%d gid=%d home=%s" % (os.getuid(), os.getgid(), os.environ.get("HOME")))
            """);
        await base.InitializeAsync();
    }

    /// <summary>The pod as JSON (kubectl get -o json).</summary>
    public async Task<JsonObject> PodAsync(string ns, string name) =>
        JsonNode.Parse(await Kubectl.SucceedAsync($"get pod {name} -n {ns} -o json"))!.AsObject();

    /// <summary>Waits for the pod to match, failing with its last status.</summary>
    public Task<JsonObject> WaitForPodAsync(string ns, string name, Func<JsonObject, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.MatchAsync(() => PodAsync(ns, name), pod => { try { return done(pod); } catch (NullReferenceException) { return false; } }, $"pod {ns}/{name} {what}", timeout ?? TimeSpan.FromSeconds(30));

    /// <summary>The container's log (kubectl logs), once it contains <paramref name="text"/>.</summary>
    public async Task<string> WaitForLogAsync(string ns, string pod, string container, string text) =>
        (await Eventually.MatchAsync(() => Kubectl.RunAsync($"logs {pod} -n {ns} -c {container}"), r => r.Stdout.Contains(text, StringComparison.Ordinal),
            $"{text} in the log of {ns}/{pod}/{container}", TimeSpan.FromSeconds(30))).Stdout;

    /// <summary>The Events of the namespace as "reason: message" lines.</summary>
    public async Task<string> EventsAsync(string ns) =>
        await Kubectl.SucceedAsync(["get", "events", "-n", ns, "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"]);

    /// <summary>The Uid, Gid, Groups and CapEff lines of a process on the node.</summary>
    public static Dictionary<string, string> ProcessStatus(string pid) =>
        File.ReadAllLines($"/proc/{pid}/status").Select(l => l.Split(':', 2)).Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => string.Join(' ', p[1].Split((char[])['\t', ' '], StringSplitOptions.RemoveEmptyEntries)), StringComparer.Ordinal);
}
