using System.Net;
using k8s;
using k8s.Autorest;
using k8s.Models;

namespace AgentOperator.Operator.Tests.Traffic;

/// <summary>
/// Installs the Gateway API HTTPRoute CRD excerpt (<see cref="ManifestPath"/>, next to this file) into a cluster that
/// lacks the Gateway API, such as DevCluster. Tests run from the checkout, so the YAML is read from the source tree.
/// </summary>
public static class GatewayApiCrds
{
    /// <summary>The CRD YAML, relative to the repository root.</summary>
    public const string ManifestPath = "tests/Operator.Tests/Traffic/gateway-api-httproute-crd.yaml";

    /// <summary>The HTTPRoute CRD as the YAML declares it.</summary>
    public static V1CustomResourceDefinition HttpRoute() =>
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(Path.Combine(RepositoryRoot(), ManifestPath)));

    /// <summary>Creates the HTTPRoute CRD; one already installed is left as it is.</summary>
    public static async Task InstallAsync(IKubernetes client, CancellationToken cancellationToken)
    {
        try
        {
            await client.ApiextensionsV1.CreateCustomResourceDefinitionAsync(HttpRoute(), cancellationToken: cancellationToken);
        }
        catch (HttpOperationException e) when (e.Response.StatusCode == HttpStatusCode.Conflict)
        {
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AgentOperator.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"AgentOperator.sln not found above {AppContext.BaseDirectory}");
    }
}
