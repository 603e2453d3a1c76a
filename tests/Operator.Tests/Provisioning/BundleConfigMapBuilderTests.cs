using AgentOperator.Operator.Provisioning;
using static AgentOperator.Operator.Tests.Provisioning.ProvisioningFixtures;

namespace AgentOperator.Operator.Tests.Provisioning;

public sealed class BundleConfigMapBuilderTests
{
    [Fact]
    public void Build_puts_the_bundle_under_bundle_json_only()
    {
        var configMap = BundleConfigMapBuilder.Build(Inputs());

        Assert.Equal(WorkflowName + "-" + Revision, configMap.Metadata.Name);
        Assert.Equal(Namespace, configMap.Metadata.NamespaceProperty);
        var entry = Assert.Single(configMap.Data);
        Assert.Equal("bundle.json", entry.Key);
        Assert.Equal(BundleJson, entry.Value);
    }

    [Fact]
    public void Build_annotates_the_sha256_of_the_bundle_bytes()
    {
        var inputs = Inputs() with { BundleJson = "{}" };

        var configMap = BundleConfigMapBuilder.Build(inputs);

        // sha256("{}"), computed independently (sha256sum).
        Assert.Equal("44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", configMap.Metadata.Annotations["agentoperator.io/bundle-sha256"]);
    }

    [Fact]
    public void Build_with_a_different_bundle_changes_the_hash()
    {
        var first = BundleConfigMapBuilder.Build(Inputs() with { BundleJson = """{"killSwitch":false}""" });
        var second = BundleConfigMapBuilder.Build(Inputs() with { BundleJson = """{"killSwitch":true}""" });

        Assert.NotEqual(first.Metadata.Annotations["agentoperator.io/bundle-sha256"], second.Metadata.Annotations["agentoperator.io/bundle-sha256"]);
    }
}
