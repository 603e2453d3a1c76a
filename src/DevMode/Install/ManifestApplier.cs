using k8s;
using k8s.Models;

namespace AgentOperator.DevMode.Install;

/// <summary>
/// Applies manifests through the API the way <c>kubectl apply --server-side</c> does: an apply patch per object
/// under one field manager. Knows Namespaces, CustomResourceDefinitions, the custom resources of the CRDs it
/// applied (their plural and scope come from the CRD), and what an install's RBAC and admission folders hold:
/// ServiceAccounts, Roles, ClusterRoles, their bindings and ValidatingAdmissionPolicies with their bindings.
/// </summary>
internal sealed class ManifestApplier(IKubernetes client, TimeProvider time)
{
    /// <summary>The field manager of everything dev mode applies.</summary>
    public const string FieldManager = "agentoperator-dev";

    private readonly Dictionary<(string Group, string Kind), (string Plural, bool Namespaced)> _customKinds = [];

    /// <summary>Applies the CRDs and waits (up to <paramref name="timeout"/>) until each is Established.</summary>
    public async Task ApplyCustomResourceDefinitionsAsync(IEnumerable<Manifest> crds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        foreach (var crd in crds.Where(m => m.Kind == "CustomResourceDefinition"))
        {
            await client.ApiextensionsV1.PatchCustomResourceDefinitionAsync(ApplyPatch(crd), crd.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
            var spec = crd.Object["spec"]!;
            _customKinds[(Json.Text(spec, "group")!, Json.Text(spec, "names", "kind")!)] =
                (Json.Text(spec, "names", "plural")!, Json.Text(spec, "scope") != "Cluster");
            names.Add(crd.Name);
        }

        var deadline = time.GetUtcNow() + timeout;
        foreach (var name in names)
        {
            while (true)
            {
                var live = await client.ApiextensionsV1.ReadCustomResourceDefinitionAsync(name, cancellationToken: cancellationToken);
                if (live.Status?.Conditions?.Any(c => c.Type == "Established" && c.Status == "True") == true)
                {
                    break;
                }

                if (time.GetUtcNow() > deadline)
                {
                    throw new TimeoutException($"CRD {name} was not Established within {timeout.TotalSeconds} s");
                }

                await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken);
            }
        }
    }

    /// <summary>Applies one object; throws for kinds it does not know.</summary>
    public async Task ApplyAsync(Manifest manifest, CancellationToken cancellationToken)
    {
        var patch = ApplyPatch(manifest);
        if (manifest is { ApiVersion: "v1", Kind: "Namespace" })
        {
            await client.CoreV1.PatchNamespaceAsync(patch, manifest.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "v1", Kind: "ServiceAccount" })
        {
            await client.CoreV1.PatchNamespacedServiceAccountAsync(patch, manifest.Name, NamespaceOf(manifest), fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRole" })
        {
            await client.RbacAuthorizationV1.PatchClusterRoleAsync(patch, manifest.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "rbac.authorization.k8s.io/v1", Kind: "ClusterRoleBinding" })
        {
            await client.RbacAuthorizationV1.PatchClusterRoleBindingAsync(patch, manifest.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "rbac.authorization.k8s.io/v1", Kind: "Role" })
        {
            await client.RbacAuthorizationV1.PatchNamespacedRoleAsync(patch, manifest.Name, NamespaceOf(manifest), fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "rbac.authorization.k8s.io/v1", Kind: "RoleBinding" })
        {
            await client.RbacAuthorizationV1.PatchNamespacedRoleBindingAsync(patch, manifest.Name, NamespaceOf(manifest), fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicy" })
        {
            await client.AdmissionregistrationV1.PatchValidatingAdmissionPolicyAsync(patch, manifest.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest is { ApiVersion: "admissionregistration.k8s.io/v1", Kind: "ValidatingAdmissionPolicyBinding" })
        {
            await client.AdmissionregistrationV1.PatchValidatingAdmissionPolicyBindingAsync(patch, manifest.Name, fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
        }
        else if (manifest.Kind == "CustomResourceDefinition")
        {
            await ApplyCustomResourceDefinitionsAsync([manifest], TimeSpan.FromSeconds(30), cancellationToken);
        }
        else if (_customKinds.TryGetValue((manifest.Group, manifest.Kind), out var kind))
        {
            if (kind.Namespaced)
            {
                var @namespace = NamespaceOf(manifest);
                await client.CustomObjects.PatchNamespacedCustomObjectAsync(patch, manifest.Group, manifest.Version, @namespace, kind.Plural, manifest.Name,
                    fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
            }
            else
            {
                await client.CustomObjects.PatchClusterCustomObjectAsync(patch, manifest.Group, manifest.Version, kind.Plural, manifest.Name,
                    fieldManager: FieldManager, force: true, cancellationToken: cancellationToken);
            }
        }
        else
        {
            throw new NotSupportedException($"{manifest.Source}: dev mode applies Namespaces, CRDs and their custom resources, RBAC and admission policies, not {manifest.ApiVersion} {manifest.Kind}");
        }
    }

    /// <summary>Namespaces first, then AgentTools, then AgentWorkflows, then the rest; the file order otherwise.</summary>
    public static IEnumerable<Manifest> InApplyOrder(IEnumerable<Manifest> manifests) =>
        manifests.Select((m, i) => (m, i)).OrderBy(p => p.m.Kind switch
        {
            "Namespace" => 0,
            "CustomResourceDefinition" => 1,
            "AgentTool" => 2,
            "AgentWorkflow" => 3,
            _ => 4,
        }).ThenBy(p => p.i).Select(p => p.m);

    private static string NamespaceOf(Manifest manifest) => manifest.Namespace ?? "default";

    private static V1Patch ApplyPatch(Manifest manifest) => new(manifest.Object.ToJsonString(), V1Patch.PatchType.ApplyPatch);
}
