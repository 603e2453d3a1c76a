using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Controllers;

/// <summary>
/// The EndpointSlices one controller keeps for a Service (the endpointslice controller's from pods, the mirroring
/// controller's from an owner's Endpoints): labelled <c>kubernetes.io/service-name</c> and managed-by that controller,
/// owned by the object they come from; slices of that controller the Service no longer needs are deleted.
/// </summary>
internal sealed class EndpointSliceWriter(ControllerObjectWriter objects, string managedBy)
{
    public const string ServiceNameLabel = "kubernetes.io/service-name";
    public const string ManagedByLabel = "endpointslice.kubernetes.io/managed-by";
    private static readonly GroupResource Slices = new("discovery.k8s.io", "endpointslices");

    /// <summary>One slice: its endpoints and ports, named by <see cref="Name"/>.</summary>
    public sealed record Slice(string Name, string AddressType, JsonArray Endpoints, JsonArray Ports);

    /// <summary>A slice name that stays the same while the endpoints behind <paramref name="key"/> (port set, family) change.</summary>
    public static string Name(string prefix, string key) => $"{prefix}-{Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)))[..5]}";

    /// <summary>Makes <paramref name="service"/>'s slices of this controller exactly <paramref name="slices"/>, owned by <paramref name="owner"/> (kind, name, uid).</summary>
    public void Write(string ns, string service, (string Kind, string Name, string Uid) owner, IEnumerable<Slice> slices)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slice in slices)
        {
            wanted.Add(slice.Name);
            objects.Apply(Slices, ns, slice.Name, new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["name"] = slice.Name,
                    ["labels"] = new JsonObject { [ServiceNameLabel] = service, [ManagedByLabel] = managedBy },
                    ["ownerReferences"] = new JsonArray(new JsonObject
                    {
                        ["apiVersion"] = "v1", ["kind"] = owner.Kind, ["name"] = owner.Name, ["uid"] = owner.Uid, ["controller"] = true, ["blockOwnerDeletion"] = true,
                    }),
                },
                ["addressType"] = slice.AddressType,
                ["endpoints"] = slice.Endpoints,
                ["ports"] = slice.Ports.DeepClone(),
            }, ["endpoints", "ports"]);
        }

        RemoveExcept(ns, service, wanted);
    }

    /// <summary>Deletes every slice of this controller for <paramref name="service"/>.</summary>
    public void RemoveAll(string ns, string service) => RemoveExcept(ns, service, new HashSet<string>());

    private void RemoveExcept(string ns, string service, HashSet<string> wanted)
    {
        foreach (var stale in objects.Store.List(Slices, ns, null).Items.Where(s => s.Labels.GetValueOrDefault(ServiceNameLabel) == service
            && s.Labels.GetValueOrDefault(ManagedByLabel) == managedBy && !wanted.Contains(s.Name)).ToList())
        {
            objects.Delete(Slices, ns, stale.Name);
        }
    }
}
