using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Node;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Node;

/// <summary>
/// A cluster whose pods run on the DevCluster node as real processes: <c>busybox</c> is the host's <c>sh</c> (no
/// ENTRYPOINT, CMD <c>sh</c>, as the image) and <c>python</c> the host's python3; the crash-loop back-off starts at 2 s
/// so its doubling is seen quickly.
/// </summary>
public sealed class NodeFixture : ClusterFixture
{
    public string NodeDirectory => Path.Combine(Directory, "node");

    protected override DevClusterOptions Options => base.Options with
    {
        Node = new NodeOptions
        {
            Directory = NodeDirectory,
            Images = new NodeImageMap(
            [
                new NodeImage("busybox", [], ["sh"], "/"),
                new NodeImage("python", ["/usr/bin/python3"], [], "/"),
            ]),
            InitialBackOff = TimeSpan.FromSeconds(2),
            VolumeSyncPeriod = TimeSpan.FromMilliseconds(300),
        },
    };

    /// <summary>The pod as JSON (kubectl get -o json).</summary>
    public async Task<JsonObject> PodAsync(string ns, string name) =>
        JsonNode.Parse(await Kubectl.SucceedAsync($"get pod {name} -n {ns} -o json"))!.AsObject();

    /// <summary>Waits for the pod to match, failing with its last status.</summary>
    public Task<JsonObject> WaitForPodAsync(string ns, string name, Func<JsonObject, bool> done, string what, TimeSpan? timeout = null) =>
        Eventually.MatchAsync(() => PodAsync(ns, name), pod => { try { return done(pod); } catch (NullReferenceException) { return false; } }, $"pod {ns}/{name} {what}", timeout ?? TimeSpan.FromSeconds(30));
}
