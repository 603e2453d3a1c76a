namespace AgentOperator.DevCluster.Simulation;

/// <summary>What a <see cref="IPodRunner"/> is told about the pod it runs.</summary>
/// <param name="Namespace">The pod's namespace.</param>
/// <param name="Name">The pod's name.</param>
/// <param name="Images">The images of the pod's init containers (sidecars included), then of its containers, in order.</param>
/// <param name="RestartPolicy"><c>Always</c> for service pods; <c>Never</c> or <c>OnFailure</c> for run-to-completion (Job) pods.</param>
/// <param name="Labels">The pod's labels.</param>
/// <param name="Annotations">The pod's annotations.</param>
/// <param name="PodJson">The whole pod object as JSON, for runners that need more (env, args, volumes).</param>
public sealed record PodContext(
    string Namespace,
    string Name,
    IReadOnlyList<string> Images,
    string RestartPolicy,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, string> Annotations,
    string PodJson);
