using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s;

namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>
/// The revision the tests' gateway serves: the refund example's workflow and tools, with the ServiceAccount name and
/// Role the operator generates for it (<see cref="IdentityBuilder"/>, created by <see cref="TestCluster.GatewayTokenAsync"/>
/// through the operator's own identity), never rules written here, so the tests' gateway holds exactly what a sidecar gets.
/// </summary>
public static class GatewayRoles
{
    /// <summary>The workflow of <see cref="Fakes.TestBundles"/>.</summary>
    public const string Workflow = "support-refund";

    /// <summary>The revision of <see cref="Fakes.TestBundles"/>.</summary>
    public const string Revision = "rev0000001";

    /// <summary>The revision's ServiceAccount, Role and bundle ConfigMap name.</summary>
    public static string RevisionObject => ChildNames.RevisionObject(Workflow, Revision);

    /// <summary>The refund example's workflow, in <paramref name="namespace"/>, not yet created.</summary>
    public static AgentWorkflow WorkflowIn(string @namespace)
    {
        var workflow = Read<AgentWorkflow>(Path.Combine(TestCluster.RepositoryRoot(), "examples", "support-refund.yaml"));
        workflow.Metadata.NamespaceProperty = @namespace;
        return workflow;
    }

    /// <summary>What the operator builds the revision's children from, for the workflow as the API server stored it.</summary>
    public static RevisionInputs Inputs(AgentWorkflow stored)
    {
        var tools = Directory.GetFiles(Path.Combine(TestCluster.RepositoryRoot(), "examples", "tools"), "*.yaml")
            .Select(Read<AgentTool>)
            .ToList();
        return new RevisionInputs(stored, Revision, "{}", tools, Replicas: 1);
    }

    private static T Read<T>(string path) => KubernetesJson.Deserialize<T>(YamlReader.ReadDocuments(File.ReadAllText(path)).Single().ToJsonString());
}
