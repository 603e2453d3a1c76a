using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The part of kube-apiserver's built-in validation (k8s.io/kubernetes pkg/apis/core/validation and
/// pkg/apis/apps|batch/validation) that clients meet most: containers need a name and an image, a Job's pod
/// template restarts OnFailure or Never, a Deployment's or ReplicaSet's selector is set, matches its template's
/// labels and (apps/v1) never changes, ConfigMap and Secret keys are config keys. Runs after defaulting, so
/// the refusals name the defaulted values as kube-apiserver's do; the answer is its 422 with every field error.
/// </summary>
internal static partial class BuiltInValidation
{
    public static void Validate(ResourceType type, JsonObject obj, JsonObject? old, string name)
    {
        var errors = new List<FieldError>();
        switch (type.Storage.Group, type.Storage.Resource)
        {
            case ("", "pods"):
                PodSpec(obj["spec"] as JsonObject, "spec", errors);
                break;
            case ("", "podtemplates"):
                PodSpec(obj.At("template", "spec") as JsonObject, "template.spec", errors);
                break;
            case ("", "configmaps"):
                Keys(obj, "data", errors);
                Keys(obj, "binaryData", errors);
                break;
            case ("", "secrets"):
                Keys(obj, "data", errors);
                break;
            case ("apps", "deployments"):
                Selected(obj, old, "deployment", errors);
                break;
            case ("apps", "replicasets"):
                Selected(obj, old, "replicaset", errors);
                break;
            case ("apps", "statefulsets" or "daemonsets"):
                PodSpec(obj.At("spec", "template", "spec") as JsonObject, "spec.template.spec", errors);
                break;
            case ("batch", "jobs"):
                JobSpec(obj["spec"] as JsonObject, "spec", errors);
                break;
            case ("batch", "cronjobs"):
                JobSpec(obj.At("spec", "jobTemplate", "spec") as JsonObject, "spec.jobTemplate.spec", errors);
                break;
        }

        if (errors.Count > 0)
        {
            throw ApiErrors.Invalid(type.Group, type.Kind, name, errors);
        }
    }

    /// <summary>ValidateDeploymentSpec / ValidateReplicaSetSpec, and ValidateDeploymentUpdate's immutable apps/v1 selector.</summary>
    private static void Selected(JsonObject obj, JsonObject? old, string kind, List<FieldError> errors)
    {
        var selector = obj.At("spec", "selector") as JsonObject;
        if (selector is null)
        {
            errors.Add(new("FieldValueRequired", "spec.selector", "Required value"));
        }
        else if (IsEmpty(selector["matchLabels"]) && IsEmpty(selector["matchExpressions"]))
        {
            errors.Add(new("FieldValueInvalid", "spec.selector", $"Invalid value: {GoSelector(selector)}: empty selector is invalid for {kind}"));
        }
        else if (!PolicyMatcher.SelectorMatches(selector, obj.At("spec", "template", "metadata", "labels") as JsonObject))
        {
            errors.Add(new("FieldValueInvalid", "spec.template.metadata.labels", $"Invalid value: {GoMap(obj.At("spec", "template", "metadata", "labels") as JsonObject)}: `selector` does not match template `labels`"));
        }

        var spec = obj.At("spec", "template", "spec") as JsonObject;
        PodSpec(spec, "spec.template.spec", errors);
        if (spec?.Str("restartPolicy") is { } restart && restart != "Always")
        {
            errors.Add(new("FieldValueNotSupported", "spec.template.spec.restartPolicy", $"Unsupported value: \"{restart}\": supported values: \"Always\""));
        }

        // Semantic equality (apimachinery's DeepEqual treats empty and absent alike).
        if (old?.At("spec", "selector") is JsonObject before && selector is not null && !JsonNode.DeepEquals(Normalized(before), Normalized(selector)))
        {
            errors.Add(new("FieldValueInvalid", "spec.selector", $"Invalid value: {GoSelector(selector)}: field is immutable"));
        }
    }

    /// <summary>ValidateJobSpec: a Job's pods restart OnFailure or Never (the pod defaults make an unset one Always).</summary>
    private static void JobSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var podSpec = spec?.At("template", "spec") as JsonObject;
        PodSpec(podSpec, path + ".template.spec", errors);
        var restart = podSpec?.Str("restartPolicy") ?? "";
        if (restart is not ("OnFailure" or "Never"))
        {
            errors.Add(new("FieldValueNotSupported", path + ".template.spec.restartPolicy", $"Unsupported value: \"{restart}\": supported values: \"OnFailure\", \"Never\""));
        }
    }

    /// <summary>ValidatePodSpec's container checks: at least one container, each with a name and an image (init containers too).</summary>
    private static void PodSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        if (spec?["containers"] is not JsonArray { Count: > 0 })
        {
            errors.Add(new("FieldValueRequired", path + ".containers", "Required value"));
        }

        foreach (var list in new[] { "initContainers", "containers" })
        {
            var containers = (spec?[list] as JsonArray ?? []).ToList();
            for (var i = 0; i < containers.Count; i++)
            {
                var container = containers[i] as JsonObject;
                if (container.Str("name") is null or "")
                {
                    errors.Add(new("FieldValueRequired", $"{path}.{list}[{i}].name", "Required value"));
                }

                if (container.Str("image") is null or "")
                {
                    errors.Add(new("FieldValueRequired", $"{path}.{list}[{i}].image", "Required value"));
                }
            }
        }
    }

    /// <summary>validation.IsConfigMapKey for every key of <paramref name="field"/>.</summary>
    private static void Keys(JsonObject obj, string field, List<FieldError> errors)
    {
        foreach (var (key, _) in obj[field] as JsonObject ?? [])
        {
            var quoted = GoQuote(key);
            if (key.Length > 253)
            {
                errors.Add(new("FieldValueInvalid", $"{field}[{key}]", $"Invalid value: {quoted}: must be no more than 253 characters"));
            }

            if (!ConfigKey().IsMatch(key))
            {
                errors.Add(new("FieldValueInvalid", $"{field}[{key}]", $"Invalid value: {quoted}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
            }

            var dots = key switch
            {
                "." => "must not be '.'",
                ".." => "must not be '..'",
                _ when key.StartsWith("..", StringComparison.Ordinal) => "must not start with '..'",
                _ => null,
            };
            if (dots is not null)
            {
                errors.Add(new("FieldValueInvalid", $"{field}[{key}]", $"Invalid value: {quoted}: {dots}"));
            }
        }
    }

    private static bool IsEmpty(JsonNode? node) => node is null || node is JsonObject { Count: 0 } || node is JsonArray { Count: 0 };

    private static JsonObject Normalized(JsonObject selector)
    {
        var copy = new JsonObject();
        foreach (var (key, value) in selector)
        {
            if (!IsEmpty(value))
            {
                copy[key] = value!.DeepClone();
            }
        }

        return copy;
    }

    /// <summary>The selector as Go's %#v prints a metav1.LabelSelector in a field error.</summary>
    private static string GoSelector(JsonObject selector)
    {
        var expressions = selector["matchExpressions"] as JsonArray;
        var exprs = expressions is null
            ? "[]v1.LabelSelectorRequirement(nil)"
            : "[]v1.LabelSelectorRequirement{" + string.Join(", ", expressions.OfType<JsonObject>().Select(e =>
                $"v1.LabelSelectorRequirement{{Key:{GoQuote(e.Str("key") ?? "")}, Operator:{GoQuote(e.Str("operator") ?? "")}, Values:" +
                (e["values"] is JsonArray v ? "[]string{" + string.Join(", ", v.Select(x => GoQuote(x?.ToString() ?? ""))) + "}" : "[]string(nil)") + "}")) + "}";
        return $"v1.LabelSelector{{MatchLabels:{GoMap(selector["matchLabels"] as JsonObject)}, MatchExpressions:{exprs}}}";
    }

    /// <summary>A map[string]string as Go's %#v prints it (keys sorted).</summary>
    private static string GoMap(JsonObject? map) =>
        map is null
            ? "map[string]string(nil)"
            : "map[string]string{" + string.Join(", ", map.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{GoQuote(kv.Key)}:{GoQuote(kv.Value?.ToString() ?? "")}")) + "}";

    private static string GoQuote(string s)
    {
        var b = new StringBuilder("\"");
        foreach (var c in s)
        {
            b.Append(c switch { '"' => "\\\"", '\\' => "\\\\", '\n' => "\\n", '\t' => "\\t", _ => c.ToString() });
        }

        return b.Append('"').ToString();
    }

    [GeneratedRegex("^[-._a-zA-Z0-9]+$")]
    private static partial Regex ConfigKey();
}
