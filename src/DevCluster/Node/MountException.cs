namespace AgentOperator.DevCluster.Node;

/// <summary>A volume cannot be set up yet (its ConfigMap, Secret or ServiceAccount is missing): the pod waits with a FailedMount Event.</summary>
internal sealed class MountException(string volume, string reason) : Exception($"MountVolume.SetUp failed for volume \"{volume}\" : {reason}");
