using AgentOperator.Operator.Provisioning;
using k8s;

namespace AgentOperator.Operator.Tests.Workflows;

/// <summary>
/// A cluster the workflow lifecycle scenarios run against: DevCluster in-process (<see cref="WorkflowClusterFixture"/>)
/// or K3s in a container (<c>K3s/K3sClusterFixture</c>). What differs between them is here; the scenarios do not.
/// </summary>
public interface IWorkflowCluster
{
    /// <summary>The test's own client (admin).</summary>
    Kubernetes Client { get; }

    /// <summary>Provisioning of the operators under test, e.g. a gateway image the cluster can run.</summary>
    ProvisioningOptions Provisioning { get; }

    /// <summary>Longest wait for a workflow to become Ready: simulated pods start in milliseconds, real ones in seconds.</summary>
    TimeSpan ReadyTimeout { get; }

    /// <summary>The client configuration of an operator under test: config/rbac's ServiceAccount, never admin.</summary>
    KubernetesClientConfiguration Configuration();

    /// <summary>A fresh namespace for one test.</summary>
    Task<string> CreateNamespaceAsync(string prefix);

    /// <summary>An agent image the cluster can run; <paramref name="release"/> 1 and 2 are different images (a spec change).</summary>
    string AgentImage(int release);
}
