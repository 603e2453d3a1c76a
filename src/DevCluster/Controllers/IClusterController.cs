namespace AgentOperator.DevCluster.Controllers;

/// <summary>A control loop that runs inside the server for its lifetime (what kube-controller-manager would run).</summary>
internal interface IClusterController
{
    Task RunAsync(CancellationToken ct);
}
