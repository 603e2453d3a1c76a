using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentOperator.DevCluster.Admission;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// The part of kube-apiserver's built-in validation (k8s.io/kubernetes pkg/apis/core/validation and
/// pkg/apis/apps|batch|policy/validation) that clients meet most: containers need a name and an image, a Job's pod
/// template restarts OnFailure or Never, a Deployment's, ReplicaSet's, DaemonSet's or StatefulSet's selector is set and
/// matches its template's labels, a Deployment's/ReplicaSet's/DaemonSet's selector never changes and a StatefulSet's
/// spec changes only in its mutable fields, a CronJob's schedule parses, a PodDisruptionBudget sets one bound, a claim
/// has access modes and a storage request and an immutable spec, ConfigMap and Secret keys are config keys, and a CRD's
/// schemas are structural. Runs after defaulting, so the refusals name the defaulted values as kube-apiserver's do;
/// the answer is its 422 with every field error.
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
            case ("apps", "daemonsets"):
                Selected(obj, old, "daemonset", errors);
                break;
            case ("apps", "statefulsets"):
                Selected(obj, null, "statefulset", errors);
                StatefulSet(obj, old, errors);
                break;
            case ("batch", "jobs"):
                JobSpec(obj["spec"] as JsonObject, "spec", errors);
                break;
            case ("batch", "cronjobs"):
                CronJob(obj, old, name, errors);
                break;
            case ("policy", "poddisruptionbudgets"):
                DisruptionBudget(obj["spec"] as JsonObject, errors);
                break;
            case ("apiextensions.k8s.io", "customresourcedefinitions"):
                StructuralSchemaValidation.Validate(obj, errors);
                CelCost.CrdValidationCostLimits.Validate(obj, old, errors);
                break;
            case ("", "persistentvolumeclaims"):
                ClaimSpec(obj["spec"] as JsonObject, "spec", errors);
                ClaimUpdate(obj, old, errors);
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

    private const string StatefulSetMutable = "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

    /// <summary>ValidateStatefulSetSpec's enums and claim templates, and ValidateStatefulSetUpdate: only some spec fields may change.</summary>
    private static void StatefulSet(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        var spec = obj["spec"] as JsonObject;
        if (spec.Str("podManagementPolicy") is { } policy && policy is not ("OrderedReady" or "Parallel"))
        {
            errors.Add(new("FieldValueNotSupported", "spec.podManagementPolicy", $"Unsupported value: {GoQuote(policy)}: supported values: \"OrderedReady\", \"Parallel\""));
        }

        if (spec.Str("updateStrategy", "type") is { } strategy && strategy is not ("RollingUpdate" or "OnDelete"))
        {
            errors.Add(new("FieldValueNotSupported", "spec.updateStrategy.type", $"Unsupported value: {GoQuote(strategy)}: supported values: \"OnDelete\", \"RollingUpdate\""));
        }

        if (spec.Long("replicas") is < 0 and var replicas)
        {
            errors.Add(new("FieldValueInvalid", "spec.replicas", $"Invalid value: {replicas}: must be greater than or equal to 0"));
        }

        var claims = (spec?["volumeClaimTemplates"] as JsonArray ?? []).ToList();
        for (var i = 0; i < claims.Count; i++)
        {
            ClaimSpec(claims[i]?["spec"] as JsonObject, $"spec.volumeClaimTemplates[{i}].spec", errors);
        }

        if (old?["spec"] is JsonObject before && spec is not null && !JsonNode.DeepEquals(Frozen(before), Frozen(spec)))
        {
            errors.Add(new("FieldValueForbidden", "spec", StatefulSetMutable));
        }
    }

    private static JsonObject Frozen(JsonObject spec)
    {
        var copy = spec.CloneObject();
        foreach (var mutable in new[] { "replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds" })
        {
            copy.Remove(mutable);
        }

        return Normalized(copy);
    }

    /// <summary>ValidateCronJobSpec: schedule (robfig/cron's standard parser, no TZ in it), concurrencyPolicy, limits, the job template; names fit 52 characters.</summary>
    private static void CronJob(JsonObject obj, JsonObject? old, string name, List<FieldError> errors)
    {
        // The controller appends an 11-character suffix to Job names, which are labels of at most 63.
        if (name.Length > 52)
        {
            errors.Add(new("FieldValueInvalid", "metadata.name", $"Invalid value: {GoQuote(name)}: must be no more than 52 characters"));
        }

        var spec = obj["spec"] as JsonObject;
        var schedule = spec.Str("schedule") ?? "";
        if (schedule.Length == 0)
        {
            errors.Add(new("FieldValueRequired", "spec.schedule", "Required value"));
        }
        else
        {
            if (CronSchedule.Error(schedule) is { } cronError)
            {
                errors.Add(new("FieldValueInvalid", "spec.schedule", $"Invalid value: {GoQuote(schedule)}: {cronError}"));
            }

            var allowTz = old.Str("spec", "schedule")?.Contains("TZ", StringComparison.Ordinal) == true;
            if (allowTz && schedule.Contains("TZ", StringComparison.Ordinal) && spec.Str("timeZone") is not null)
            {
                errors.Add(new("FieldValueInvalid", "spec.schedule", $"Invalid value: {GoQuote(schedule)}: cannot use both timeZone field and TZ or CRON_TZ in schedule"));
            }
            else if (!allowTz && schedule.Contains("TZ", StringComparison.Ordinal))
            {
                errors.Add(new("FieldValueInvalid", "spec.schedule", $"Invalid value: {GoQuote(schedule)}: cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }

        foreach (var field in new[] { "startingDeadlineSeconds", "successfulJobsHistoryLimit", "failedJobsHistoryLimit" })
        {
            if (spec.Long(field) is < 0 and var value)
            {
                errors.Add(new("FieldValueInvalid", "spec." + field, $"Invalid value: {value}: must be greater than or equal to 0"));
            }
        }

        var concurrency = spec.Str("concurrencyPolicy") ?? "";
        if (concurrency is not ("Allow" or "Forbid" or "Replace"))
        {
            errors.Add(concurrency.Length == 0
                ? new("FieldValueRequired", "spec.concurrencyPolicy", "Required value")
                : new("FieldValueNotSupported", "spec.concurrencyPolicy", $"Unsupported value: {GoQuote(concurrency)}: supported values: \"Allow\", \"Forbid\", \"Replace\""));
        }

        JobSpec(spec.At("jobTemplate", "spec") as JsonObject, "spec.jobTemplate.spec", errors);
    }

    /// <summary>ValidatePodDisruptionBudgetSpec: not both minAvailable and maxUnavailable; each a non-negative number or a percentage up to 100%.</summary>
    private static void DisruptionBudget(JsonObject? spec, List<FieldError> errors)
    {
        if (spec?["minAvailable"] is not null && spec["maxUnavailable"] is not null)
        {
            errors.Add(new("FieldValueInvalid", "spec", "Invalid value: policy.PodDisruptionBudgetSpec{…}: minAvailable and maxUnavailable cannot be both set"));
        }

        foreach (var field in new[] { "minAvailable", "maxUnavailable" })
        {
            switch (spec?[field])
            {
                case JsonValue v when v.Long() is < 0 and var n:
                    errors.Add(new("FieldValueInvalid", "spec." + field, $"Invalid value: {n}: must be greater than or equal to 0"));
                    break;
                case JsonValue v when v.TryGetValue<string>(out var text):
                    if (!text.EndsWith('%') || !int.TryParse(text[..^1], out var percent))
                    {
                        errors.Add(new("FieldValueInvalid", "spec." + field, $"Invalid value: {GoQuote(text)}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"));
                    }
                    else if (percent > 100)
                    {
                        errors.Add(new("FieldValueInvalid", "spec." + field, $"Invalid value: {GoQuote(text)}: must not be greater than 100%"));
                    }

                    break;
            }
        }
    }

    /// <summary>ValidatePersistentVolumeClaimSpec: access modes and a storage request are required.</summary>
    private static void ClaimSpec(JsonObject? spec, string path, List<FieldError> errors)
    {
        var modes = spec?["accessModes"] as JsonArray ?? [];
        if (modes.Count == 0)
        {
            errors.Add(new("FieldValueRequired", path + ".accessModes", "Required value: at least 1 access mode is required"));
        }

        foreach (var mode in modes.Select(m => (string?)m ?? ""))
        {
            if (mode is not ("ReadWriteOnce" or "ReadOnlyMany" or "ReadWriteMany" or "ReadWriteOncePod"))
            {
                errors.Add(new("FieldValueNotSupported", path + ".accessModes", $"Unsupported value: {GoQuote(mode)}: supported values: \"ReadOnlyMany\", \"ReadWriteMany\", \"ReadWriteOnce\", \"ReadWriteOncePod\""));
            }
        }

        if (spec.At("resources", "requests", "storage") is null)
        {
            errors.Add(new("FieldValueRequired", path + ".resources[storage]", "Required value"));
        }

        if (spec.Str("volumeMode") is { } volumeMode && volumeMode is not ("Block" or "Filesystem"))
        {
            errors.Add(new("FieldValueNotSupported", path + ".volumeMode", $"Unsupported value: {GoQuote(volumeMode)}: supported values: \"Block\", \"Filesystem\""));
        }
    }

    /// <summary>ValidatePersistentVolumeClaimUpdate: the spec is immutable except a bound claim's storage request, volumeAttributesClassName and binding an unset volumeName.</summary>
    private static void ClaimUpdate(JsonObject obj, JsonObject? old, List<FieldError> errors)
    {
        if (old?["spec"] is not JsonObject before || obj["spec"] is not JsonObject after)
        {
            return;
        }

        var a = Normalized(after.CloneObject());
        var b = Normalized(before.CloneObject());
        a.Remove("volumeAttributesClassName");
        b.Remove("volumeAttributesClassName");
        if (b.Str("volumeName") is null or "")
        {
            a.Remove("volumeName");
            b.Remove("volumeName");
        }

        if (old.Str("status", "phase") == "Bound" && a.At("resources", "requests") is JsonObject requests)
        {
            requests["storage"] = before.At("resources", "requests", "storage")?.DeepClone();
        }

        if (!JsonNode.DeepEquals(a, b))
        {
            errors.Add(new("FieldValueForbidden", "spec", "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims"));
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
