using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Node;

/// <summary>
/// A pod's volumes on the node, under <c>DIR/pods/UID/volumes/NAME</c>: emptyDir, hostPath, ConfigMap and Secret
/// (items, defaultMode and per-item modes, optional) and projected volumes (serviceAccountToken from a TokenRequest
/// with the declared audience and expirationSeconds, rotated at 80 % of its lifetime; configMap; secret; downwardAPI),
/// and persistentVolumeClaim volumes, which are their bound PersistentVolume's folder on the node.
/// <see cref="Sync"/> is called again and again: it rewrites a volume only when its content changed.
/// </summary>
internal sealed class PodVolumes(string directory, JsonObject pod, EnvironmentResolver objects, TokenSource tokens, TimeProvider time)
{
    private const int DefaultMode = 420; // 0644, the API's default for ConfigMap, Secret and projected volumes.
    private readonly Dictionary<string, ServiceAccountToken> _tokens = new(StringComparer.Ordinal);
    private readonly VolumeOwnership _ownership = new(pod.Long("spec", "securityContext", "fsGroup"));

    /// <summary>Each volume's folder on the node (hostPath volumes: the host path), by volume name.</summary>
    public Dictionary<string, string> Paths { get; } = new(StringComparer.Ordinal);

    /// <summary>The volumes every container mounts read-only (persistentVolumeClaim volumes with readOnly).</summary>
    public HashSet<string> ReadOnly { get; } = new(StringComparer.Ordinal);

    /// <summary>Sets up or refreshes every volume; a <see cref="MountException"/> names the first that cannot be.</summary>
    public void Sync()
    {
        foreach (var volume in (pod.At("spec", "volumes") as JsonArray ?? []).OfType<JsonObject>())
        {
            var name = volume.Str("name") ?? "";
            var path = Path.Combine(directory, name);
            try
            {
                if (volume["hostPath"] is JsonObject host)
                {
                    path = host.Str("path") ?? "/";
                    Directory.CreateDirectory(path);
                }
                else if (volume["persistentVolumeClaim"] is JsonObject claim)
                {
                    // Resolved once: the bound volume stays this pod's even if its claim is deleted meanwhile.
                    path = Paths.GetValueOrDefault(name) ?? ClaimedVolume(name, claim);
                }
                else if (volume["configMap"] is not null || volume["secret"] is not null || volume["projected"] is not null || volume["downwardAPI"] is not null)
                {
                    var payload = Payload(name, volume);
                    if (payload is not null)
                    {
                        var owned = payload.ToDictionary(p => p.Key, p => p.Value with { Mode = _ownership.FileMode(p.Value.Mode) }, StringComparer.Ordinal);
                        AtomicWriter.Write(path, owned, time, written => _ownership.Apply(written, readOnly: true));
                    }
                    else
                    {
                        Directory.CreateDirectory(path);
                    }
                }
                else
                {
                    // emptyDir, and every kind the node does not hold yet, is an empty folder that lives as long as the pod,
                    // writable by every user (0777, as the kubelet makes it), then owned by fsGroup.
                    if (!Directory.Exists(path))
                    {
                        var folder = Directory.CreateDirectory(path);
                        if (!OperatingSystem.IsWindows())
                        {
                            folder.UnixFileMode = (UnixFileMode)0b111_111_111; // 0777
                        }

                        _ownership.Apply(path, readOnly: false);
                    }
                }
            }
            catch (ContainerConfigException e)
            {
                throw MountException.SetUp(name, e.Message);
            }

            Paths[name] = path;
        }
    }

    // A claim's bound PersistentVolume, as the kubelet's volume manager resolves it (getPVCExtractPV, getPVSpec):
    // its local or hostPath folder on the node; a local volume mounted writable is given to fsGroup.
    private string ClaimedVolume(string volume, JsonObject source)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        var claimName = source.Str("claimName") ?? "";
        var claim = objects.Get("persistentvolumeclaims", ns, claimName);
        var failure = claim switch
        {
            null => $"failed to fetch PVC from API server: persistentvolumeclaims \"{claimName}\" not found",
            _ when claim.Str("metadata", "deletionTimestamp") is not null => $"can't start pod because PVC {ns}/{claimName} is being deleted",
            _ when claim.Str("status", "phase") != "Bound" || string.IsNullOrEmpty(claim.Str("spec", "volumeName")) => "PVC is not bound",
            _ => null,
        };
        if (failure is not null)
        {
            throw MountException.Unprocessed(volume, $"error processing PVC {ns}/{claimName}: {failure}");
        }

        var volumeName = claim!.Str("spec", "volumeName")!;
        var persistent = objects.Get("persistentvolumes", "", volumeName)
            ?? throw MountException.Unprocessed(volume, $"error processing PVC {ns}/{claimName}: failed to fetch PV {volumeName} from API server: persistentvolumes \"{volumeName}\" not found");
        var claimUid = claim.Str("metadata", "uid");
        if (persistent.At("spec", "claimRef") is not JsonObject claimRef)
        {
            throw MountException.Unprocessed(volume, $"found PV object {volumeName} but it has a nil pv.Spec.ClaimRef indicating it is not yet bound to the claim");
        }

        if (claimRef.Str("uid") != claimUid)
        {
            throw MountException.Unprocessed(volume, $"found PV object {volumeName} but its pv.Spec.ClaimRef.UID ({claimRef.Str("uid")}) does not point to claim.UID ({claimUid})");
        }

        var readOnly = source.Bool("readOnly") == true;
        if (readOnly)
        {
            ReadOnly.Add(volume);
        }

        if (persistent.Str("spec", "local", "path") is { } local)
        {
            if (!Directory.Exists(local))
            {
                throw MountException.SetUp(volumeName, $"path \"{local}\" does not exist");
            }

            if (!readOnly)
            {
                _ownership.Apply(local, readOnly: false);
            }

            return local;
        }

        if (persistent.Str("spec", "hostPath", "path") is { } host)
        {
            // As the kubelet's hostPath plugin: no ownership change.
            Directory.CreateDirectory(host);
            return host;
        }

        throw MountException.SetUp(volumeName, "the DevCluster node mounts only local and hostPath persistent volumes");
    }

    private Dictionary<string, VolumeFile>? Payload(string volume, JsonObject spec)
    {
        var ns = pod.Str("metadata", "namespace") ?? "";
        if (spec["configMap"] is JsonObject configMap)
        {
            return Files("configmaps", "ConfigMap", ns, configMap, (int?)configMap.Long("defaultMode") ?? DefaultMode);
        }

        if (spec["secret"] is JsonObject secret)
        {
            var renamed = new JsonObject { ["name"] = secret.Str("secretName"), ["items"] = secret["items"]?.DeepClone(), ["optional"] = secret["optional"]?.DeepClone() };
            return Files("secrets", "Secret", ns, renamed, (int?)secret.Long("defaultMode") ?? DefaultMode);
        }

        if (spec["downwardAPI"] is JsonObject downward)
        {
            return DownwardApi(downward, (int?)downward.Long("defaultMode") ?? DefaultMode);
        }

        var projected = (JsonObject)spec["projected"]!;
        var mode = (int?)projected.Long("defaultMode") ?? DefaultMode;
        var payload = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        foreach (var source in (projected["sources"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var part = source switch
            {
                _ when source["serviceAccountToken"] is JsonObject token => Token(volume, token, mode),
                _ when source["configMap"] is JsonObject c => Files("configmaps", "ConfigMap", ns, c, mode),
                _ when source["secret"] is JsonObject s => Files("secrets", "Secret", ns, s, mode),
                _ when source["downwardAPI"] is JsonObject d => DownwardApi(d, mode),
                _ => null,
            };
            foreach (var (path, file) in part ?? [])
            {
                payload[path] = file;
            }
        }

        return payload;
    }

    // A ConfigMap or Secret as files: every key, or only the listed items at their paths and modes.
    private Dictionary<string, VolumeFile>? Files(string resource, string kind, string ns, JsonObject source, int mode)
    {
        var name = source.Str("name") ?? "";
        var optional = source.Bool("optional") == true;
        var data = Bytes(resource, ns, name);
        if (data is null)
        {
            return optional ? [] : throw new ContainerConfigException($"{(resource == "secrets" ? "secret" : "configmap")} \"{name}\" not found");
        }

        if (source["items"] is not JsonArray { Count: > 0 } items)
        {
            return data.ToDictionary(kv => kv.Key, kv => new VolumeFile(kv.Value, mode), StringComparer.Ordinal);
        }

        var files = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        foreach (var item in items.OfType<JsonObject>())
        {
            var key = item.Str("key") ?? "";
            if (!data.TryGetValue(key, out var content))
            {
                if (optional)
                {
                    continue;
                }

                throw new ContainerConfigException($"{resource[..^1]} references non-existent config key: {key}");
            }

            files[item.Str("path") ?? key] = new VolumeFile(content, (int?)item.Long("mode") ?? mode);
        }

        return files;
    }

    private Dictionary<string, byte[]>? Bytes(string resource, string ns, string name)
    {
        var text = objects.Data(ns, resource, name, optional: true);
        if (text is null)
        {
            return null;
        }

        // Secrets decode to bytes, ConfigMaps' data is text (their binaryData is not written yet).
        return text.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value), StringComparer.Ordinal);
    }

    private Dictionary<string, VolumeFile> DownwardApi(JsonObject source, int mode)
    {
        var files = new Dictionary<string, VolumeFile>(StringComparer.Ordinal);
        foreach (var item in (source["items"] as JsonArray ?? []).OfType<JsonObject>())
        {
            var value = EnvironmentResolver.FieldRef(pod, item.Str("fieldRef", "fieldPath") ?? "") ?? "";
            files[item.Str("path") ?? ""] = new VolumeFile(Encoding.UTF8.GetBytes(value), (int?)item.Long("mode") ?? mode);
        }

        return files;
    }

    private Dictionary<string, VolumeFile> Token(string volume, JsonObject source, int mode)
    {
        var path = source.Str("path") ?? "token";
        var key = volume + "/" + path;
        if (!_tokens.TryGetValue(key, out var token) || token.NeedsRotation(time.GetUtcNow()))
        {
            token = tokens(pod, source.Str("audience"), source.Long("expirationSeconds") ?? 3600);
            _tokens[key] = token;
        }

        // With fsGroup the kubelet writes the token 0600 and relies on the ownership change for group read (0640).
        return new() { [path] = new VolumeFile(Encoding.ASCII.GetBytes(token.Token), _ownership.FsGroup is null ? mode : 0b110_000_000) }; // 0600
    }
}
