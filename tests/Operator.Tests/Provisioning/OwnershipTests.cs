using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class OwnershipTests
{
    private static IEnumerable<IKubernetesObject<V1ObjectMeta>> AllChildren()
    {
        var children = RevisionChildrenBuilder.Build(Inputs(), new());
        return [children.ServiceAccount, children.Role, children.RoleBinding, children.BundleConfigMap, children.NetworkPolicy, children.Deployment, .. ServiceBuilder.Build(Workflow(), Revision, null, new())];
    }

    [Fact]
    public void Every_child_is_controlled_by_its_workflow()
    {
        Assert.All(AllChildren(), child =>
        {
            var owner = Assert.Single(child.Metadata.OwnerReferences);
            Assert.Equal(("agentoperator.io/v1alpha1", "AgentWorkflow", WorkflowName, Uid), (owner.ApiVersion, owner.Kind, owner.Name, owner.Uid));
            Assert.True(owner.Controller);
            Assert.True(owner.BlockOwnerDeletion);
            Assert.Equal(Namespace, child.Metadata.NamespaceProperty);
        });
    }

    [Fact]
    public void Every_child_carries_the_workflow_labels_and_per_revision_children_the_revision()
    {
        Assert.All(AllChildren(), child =>
        {
            Assert.Equal(WorkflowName, child.Metadata.Labels["app.kubernetes.io/name"]);
            Assert.Equal("agentoperator", child.Metadata.Labels["app.kubernetes.io/managed-by"]);
            Assert.Equal(WorkflowName, child.Metadata.Labels["agentoperator.io/workflow"]);
            var isService = child is V1Service;
            Assert.Equal(!isService, child.Metadata.Labels.TryGetValue("agentoperator.io/revision", out var revision) && revision == Revision);
        });
    }

    [Fact]
    public void Every_child_sets_apiVersion_and_kind()
    {
        Assert.All(AllChildren(), child =>
        {
            Assert.False(string.IsNullOrEmpty(child.ApiVersion));
            Assert.False(string.IsNullOrEmpty(child.Kind));
        });
    }

    [Fact]
    public void Build_without_a_workflow_uid_refuses()
    {
        var inputs = Inputs();
        inputs.Workflow.Metadata.Uid = null;

        var exception = Assert.Throws<ArgumentException>(() => RevisionChildrenBuilder.Build(inputs, new()));
        Assert.Contains("uid", exception.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_with_an_agent_port_taken_by_the_gateway_refuses()
    {
        var spec = Spec with { Runtime = Spec.Runtime with { Port = 15090 } };

        var problems = RevisionChildrenBuilder.Validate(Inputs(spec), new());

        Assert.Contains(problems, p => p.Contains("15090", StringComparison.Ordinal));
    }
}
