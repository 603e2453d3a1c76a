using System.Text.RegularExpressions;
using AgentOperator.Operator.Provisioning;
using k8s;
using k8s.Models;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed partial class ChildNamesTests
{
    private static readonly string LongName = "refund-agent-for-the-european-union-customer-support-organisation." + new string('x', 171);
    private static readonly string LongRevision = new('f', 64);

    [GeneratedRegex("^[a-z]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1035();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")]
    private static partial Regex Dns1123Subdomain();

    [GeneratedRegex("^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")]
    private static partial Regex LabelValue();

    [Fact]
    public void Short_names_are_workflow_dash_revision()
    {
        Assert.Equal("refund-agent-7f3a9c2d41", ChildNames.RevisionObject(WorkflowName, Revision));
        Assert.Equal("refund-agent", ChildNames.WorkflowService(WorkflowName));
        Assert.Equal("refund-agent-canary", ChildNames.CanaryService(WorkflowName));
    }

    [Fact]
    public void Long_names_fit_every_kubernetes_limit()
    {
        Assert.Equal(237, LongName.Length);
        var inputs = Inputs(name: LongName, revision: LongRevision);
        var children = RevisionChildrenBuilder.Build(inputs, new());
        IKubernetesObject<V1ObjectMeta>[] perRevision = [children.ServiceAccount, children.Role, children.RoleBinding, children.BundleConfigMap, children.NetworkPolicy, children.Deployment];

        Assert.All(perRevision, o =>
        {
            Assert.True(o.Metadata.Name.Length <= 236, o.Metadata.Name);
            Assert.Matches(Dns1123Subdomain(), o.Metadata.Name);
        });
        foreach (var service in ServiceBuilder.Build(inputs.Workflow, LongRevision, LongRevision, new()))
        {
            Assert.True(service.Metadata.Name.Length <= 63, service.Metadata.Name);
            Assert.Matches(Dns1035(), service.Metadata.Name);
        }

        foreach (var label in perRevision.SelectMany(o => o.Metadata.Labels).Concat(children.Deployment.Spec.Template.Metadata.Labels))
        {
            Assert.True(label.Value.Length <= 63, label.Value);
            Assert.Matches(LabelValue(), label.Value);
        }

        Assert.All(children.Deployment.Spec.Template.Spec.Volumes, v => Assert.True(v.Name.Length <= 63 && Dns1035().IsMatch(v.Name), v.Name));
    }

    [Fact]
    public void Shortened_names_are_stable_and_distinct()
    {
        var other = LongName[..^1] + "y";

        Assert.Equal(ChildNames.RevisionObject(LongName, LongRevision), ChildNames.RevisionObject(LongName, LongRevision));
        Assert.NotEqual(ChildNames.RevisionObject(LongName, LongRevision), ChildNames.RevisionObject(other, LongRevision));
        Assert.NotEqual(ChildNames.StableService(LongName), ChildNames.StableService(other));
        Assert.NotEqual(ChildNames.LabelValue(LongName), ChildNames.LabelValue(other));
    }

    [Theory]
    [InlineData("agent.v2")]
    [InlineData("2fa-agent")]
    public void Service_names_of_workflows_that_are_not_dns_labels_are_made_valid(string workflow)
    {
        var name = ChildNames.StableService(workflow);

        Assert.Matches(Dns1035(), name);
        Assert.EndsWith("-stable", name, StringComparison.Ordinal);
        Assert.NotEqual(ChildNames.StableService("agent-v2"), ChildNames.StableService("agent.v2"));
    }

    [Fact]
    public void Secret_volume_names_differ_for_secrets_that_sanitize_alike()
    {
        Assert.Equal("secret-crm-credentials", ChildNames.VolumeName("secret", "crm-credentials"));
        Assert.NotEqual(ChildNames.VolumeName("secret", "crm.credentials"), ChildNames.VolumeName("secret", "crm-credentials"));
    }
}
