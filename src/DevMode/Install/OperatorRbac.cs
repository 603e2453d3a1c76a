using System.Text.Json.Nodes;
using k8s;

namespace AgentOperator.DevMode.Install;

/// <summary>
/// The operator's RBAC exactly as an install applies it: every object of <c>config/rbac</c>'s kustomization (the
/// operator's ServiceAccount, its ClusterRole and ClusterRoleBinding, the leader-election Role and RoleBinding, and the
/// viewer, editor and approver ClusterRoles for people). Dev mode and the operator's integration tests install it and run
/// the operator as that ServiceAccount, so a permission the manifests lack fails there too, not only on a real cluster.
/// </summary>
internal sealed class OperatorRbac
{
    private OperatorRbac(IReadOnlyList<Manifest> manifests, Manifest serviceAccount)
    {
        Manifests = manifests;
        ServiceAccountNamespace = serviceAccount.Namespace ?? throw new FormatException($"{serviceAccount.Source}: the operator's ServiceAccount has no namespace");
        ServiceAccountName = serviceAccount.Name;
    }

    /// <summary>The objects, in the kustomization's order.</summary>
    public IReadOnlyList<Manifest> Manifests { get; }

    /// <summary>The namespace of the operator's ServiceAccount (and of its leader-election Lease).</summary>
    public string ServiceAccountNamespace { get; }

    /// <summary>The operator's ServiceAccount.</summary>
    public string ServiceAccountName { get; }

    /// <summary>The user the API server authenticates the operator's tokens as.</summary>
    public string UserName => $"system:serviceaccount:{ServiceAccountNamespace}:{ServiceAccountName}";

    /// <summary>Reads <see cref="RepositoryLayout.RbacDirectory"/>; throws unless it holds exactly one ServiceAccount.</summary>
    public static async Task<OperatorRbac> ReadAsync(RepositoryLayout repository, CancellationToken cancellationToken)
    {
        var manifests = await ManifestFiles.ReadKustomizationAsync(repository.RbacDirectory, cancellationToken);
        var accounts = manifests.Where(m => m is { ApiVersion: "v1", Kind: "ServiceAccount" }).ToList();
        if (accounts.Count != 1)
        {
            throw new FormatException($"{repository.RbacDirectory}: expected the operator's one ServiceAccount, found {accounts.Count}");
        }

        return new OperatorRbac(manifests, accounts[0]);
    }

    /// <summary>Creates the ServiceAccount's namespace when it is missing, then applies every object.</summary>
    public async Task InstallAsync(ManifestApplier applier, CancellationToken cancellationToken)
    {
        var ns = new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Namespace", ["metadata"] = new JsonObject { ["name"] = ServiceAccountNamespace } };
        await applier.ApplyAsync(new Manifest(ns, "the operator's namespace"), cancellationToken);
        foreach (var manifest in Manifests)
        {
            await applier.ApplyAsync(manifest, cancellationToken);
        }
    }

    /// <summary>
    /// A client configuration for <paramref name="server"/> that authenticates as the operator's ServiceAccount, its
    /// tokens requested through <paramref name="admin"/> (what the kubelet does for a pod) and renewed before they expire.
    /// </summary>
    public KubernetesClientConfiguration ClientConfiguration(KubernetesClientConfiguration server, IKubernetes admin, TimeProvider time) => new()
    {
        Host = server.Host,
        SslCaCerts = server.SslCaCerts,
        SkipTlsVerify = server.SkipTlsVerify,
        TokenProvider = new ServiceAccountTokenProvider(admin, ServiceAccountNamespace, ServiceAccountName, ServiceAccountTokenProvider.DefaultLifetime, time),
    };
}
