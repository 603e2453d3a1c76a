namespace AgentOperator.DevCluster.Node;

/// <summary>A volume cannot be set up yet (its ConfigMap, Secret, ServiceAccount or claim is missing): the pod waits with a FailedMount Event.</summary>
internal sealed class MountException(string message) : Exception(message)
{
    /// <summary>The volume's plugin failed to set it up (MountVolume.SetUp).</summary>
    public static MountException SetUp(string volume, string reason) => new($"MountVolume.SetUp failed for volume \"{volume}\" : {reason}");

    /// <summary>The volume manager could not process the volume (a claim not found or not bound), as WaitForAttachAndMount reports it.</summary>
    public static MountException Unprocessed(string volume, string reason) =>
        new($"Unable to attach or mount volumes: unmounted volumes=[{volume}], unattached volumes=[], failed to process volumes=[{volume}]: {reason}");
}
