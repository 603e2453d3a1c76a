using AgentOperator.Crds.Generation;
using k8s;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Fixtures;

/// <summary>The agentoperator.io CRDs as the generator renders them (the kustomize bases), for clusters under test.</summary>
internal static class AgentOperatorCrds
{
    public static async Task InstallAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        foreach (var file in CrdManifests.Render().Where(f => f.RelativePath.StartsWith(CrdManifests.KustomizeBasesDirectory, StringComparison.Ordinal)))
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(KubernetesYaml.Deserialize<V1CustomResourceDefinition>(file.Content), cancellationToken: cancellationToken);
        }
    }
}
