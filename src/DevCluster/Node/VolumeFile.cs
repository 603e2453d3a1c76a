namespace AgentOperator.DevCluster.Node;

/// <summary>One file of a ConfigMap, Secret or projected volume: its bytes and its Unix mode (e.g. 0644 = 420).</summary>
internal sealed record VolumeFile(byte[] Content, int Mode);
