using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The defaults kube-apiserver sets on every decoded pod spec, pod or pod template alike
/// (k8s.io/kubernetes pkg/apis/core/v1/defaults.go: SetDefaults_PodSpec, SetDefaults_Container,
/// SetDefaults_ContainerPort, SetDefaults_Probe, SetDefaults_HTTPGetAction, the volume sources'
/// defaultMode), and those only a pod gets (SetDefaults_Pod, the DefaultTolerationSeconds admission plugin).
/// Each sets a field only when it is absent, so applying them again changes nothing.
/// </summary>
internal static class PodSpecDefaults
{
    private const int DefaultMode = 420; // 0644, as v1.ConfigMapVolumeSourceDefaultMode and its siblings

    /// <summary>SetDefaults_PodSpec and what it reaches: for pods and for every pod template.</summary>
    public static void Apply(JsonObject spec)
    {
        spec["dnsPolicy"] ??= "ClusterFirst";
        spec["restartPolicy"] ??= "Always";
        spec["terminationGracePeriodSeconds"] ??= 30;
        spec["schedulerName"] ??= "default-scheduler";
        spec["securityContext"] ??= new JsonObject();
        foreach (var list in new[] { "initContainers", "containers", "ephemeralContainers" })
        {
            foreach (var container in (spec[list] as JsonArray ?? []).OfType<JsonObject>())
            {
                ApplyContainer(container);
            }
        }

        foreach (var volume in (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>())
        {
            foreach (var source in new[] { "configMap", "secret", "projected", "downwardAPI" })
            {
                if (volume[source] is JsonObject s)
                {
                    s["defaultMode"] ??= DefaultMode;
                }
            }
        }
    }

    /// <summary>
    /// The DefaultTolerationSeconds admission plugin: pods only (not templates), on create.
    /// </summary>
    public static void ApplyTolerations(JsonObject spec)
    {
        var tolerations = spec["tolerations"] as JsonArray ?? [];
        foreach (var taint in new[] { "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" })
        {
            // The plugin adds a toleration only when none already tolerates the taint for NoExecute.
            if (!tolerations.OfType<JsonObject>().Any(t => t.Str("key") == taint && t.Str("effect") is null or "" or "NoExecute"))
            {
                tolerations.Add(new JsonObject
                {
                    ["key"] = taint,
                    ["operator"] = "Exists",
                    ["effect"] = "NoExecute",
                    ["tolerationSeconds"] = 300,
                });
            }
        }

        spec["tolerations"] = tolerations;
    }

    private static void ApplyContainer(JsonObject container)
    {
        if (container.Str("image") is { Length: > 0 } image)
        {
            container["imagePullPolicy"] ??= ImageTag(image) == "latest" ? "Always" : "IfNotPresent";
        }

        container["terminationMessagePath"] ??= "/dev/termination-log";
        container["terminationMessagePolicy"] ??= "File";
        foreach (var port in (container["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            port["protocol"] ??= "TCP";
        }

        foreach (var probe in new[] { "livenessProbe", "readinessProbe", "startupProbe" })
        {
            if (container[probe] is JsonObject p)
            {
                p["timeoutSeconds"] ??= 1;
                p["periodSeconds"] ??= 10;
                p["successThreshold"] ??= 1;
                p["failureThreshold"] ??= 3;
                if (p["httpGet"] is JsonObject http)
                {
                    http["path"] ??= "/";
                    http["scheme"] ??= "HTTP";
                }
            }
        }
    }

    /// <summary>The tag as parsers.ParseImageName reads it: "latest" when there is neither tag nor digest, "" with a digest only.</summary>
    private static string ImageTag(string image)
    {
        var at = image.IndexOf('@', StringComparison.Ordinal);
        var name = at >= 0 ? image[..at] : image;
        var colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            return name[(colon + 1)..];
        }

        return at >= 0 ? "" : "latest";
    }
}
