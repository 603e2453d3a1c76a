using AgentOperator.Crds.Generation;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;

namespace AgentOperator.Gateway.Tests.Cluster;

/// <summary>
/// The identity the tests give a gateway: the ServiceAccount name and Role the operator generates for a revision of
/// the refund example (<see cref="IdentityBuilder"/>), never rules written here, so the tests' gateway holds exactly
/// what a sidecar gets.
/// </summary>
public static class GatewayRoles
{
    /// <summary>The workflow of <see cref="Fakes.TestBundles"/>.</summary>
    public const string Workflow = "support-refund";

    /// <summary>The revision of <see cref="Fakes.TestBundles"/>.</summary>
    public const string Revision = "rev0000001";

    /// <summary>The revision's ServiceAccount, Role and bundle ConfigMap name.</summary>
    public static string RevisionObject => ChildNames.RevisionObject(Workflow, Revision);

    /// <summary>The rules of the operator's Role for that revision in <paramref name="namespace"/>.</summary>
    public static V1PolicyRule[] Gateway(string @namespace) => [.. IdentityBuilder.Role(Inputs(@namespace)).Rules];

    private static RevisionInputs Inputs(string @namespace)
    {
        var examples = Path.Combine(TestCluster.RepositoryRoot(), "examples");
        var workflow = Read<AgentWorkflow>(Path.Combine(examples, "support-refund.yaml"));
        workflow.Metadata.NamespaceProperty = @namespace;
        workflow.Metadata.Uid = Guid.NewGuid().ToString();
        var tools = Directory.GetFiles(Path.Combine(examples, "tools"), "*.yaml")
            .Select(Read<AgentTool>)
            .ToList();
        return new RevisionInputs(workflow, Revision, "{}", tools, Replicas: 1);
    }

    private static T Read<T>(string path) => KubernetesJson.Deserialize<T>(YamlReader.ReadDocuments(File.ReadAllText(path)).Single().ToJsonString());
}
