using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// The built-in kinds the operator touches, with kube-apiserver's discovery data (short names, categories,
/// subresources) and the default columns of its table printers (pkg/printers/internalversion).
/// </summary>
internal static class BuiltInResources
{
    private static readonly IReadOnlyList<string> All = ["all"];
    private static readonly IReadOnlyList<string> CreateOnly = ["create"];

    public static IReadOnlyList<ResourceType> Create()
    {
        var coreEvents = new ResourceType("", "v1", "events", "Event", true)
        {
            ShortNames = ["ev"],
            SelectableFields = ["involvedObject.kind", "involvedObject.namespace", "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type"],
            Columns =
            [
                Col("Last Seen", "string", (o, now) => HumanDuration.Since(o.Str("lastTimestamp") ?? o.Str("eventTime") ?? o.Str("metadata", "creationTimestamp"), now)),
                Col("Type", "string", (o, _) => o.Str("type")),
                Col("Reason", "string", (o, _) => o.Str("reason")),
                Col("Object", "string", (o, _) => $"{o.Str("involvedObject", "kind")?.ToLowerInvariant()}/{o.Str("involvedObject", "name")}"),
                Col("Message", "string", (o, _) => o.Str("message")),
            ],
        };

        return
        [
            new("", "v1", "namespaces", "Namespace", false)
            {
                ShortNames = ["ns"], HasStatus = true, ReturnsDeletedObject = true,
                Columns = [NameColumn, Col("Status", "string", (o, _) => o.Str("status", "phase")), AgeColumn],
            },
            new("", "v1", "nodes", "Node", false)
            {
                ShortNames = ["no"], HasStatus = true, SelectableFields = ["spec.unschedulable"],
                Columns =
                [
                    NameColumn,
                    Col("Status", "string", (o, _) => NodeStatus(o)),
                    Col("Roles", "string", (o, _) => "<none>"),
                    AgeColumn,
                    Col("Version", "string", (o, _) => o.Str("status", "nodeInfo", "kubeletVersion")),
                    Col("Internal-IP", "string", (o, _) => NodeAddress(o, "InternalIP"), 1),
                    Col("External-IP", "string", (o, _) => NodeAddress(o, "ExternalIP"), 1),
                    Col("OS-Image", "string", (o, _) => o.Str("status", "nodeInfo", "osImage"), 1),
                    Col("Kernel-Version", "string", (o, _) => o.Str("status", "nodeInfo", "kernelVersion"), 1),
                    Col("Container-Runtime", "string", (o, _) => o.Str("status", "nodeInfo", "containerRuntimeVersion"), 1),
                ],
            },
            new("", "v1", "serviceaccounts", "ServiceAccount", true)
            {
                ShortNames = ["sa"], ReturnsDeletedObject = true,
                Columns = [NameColumn, Col("Secrets", "string", (o, _) => Count(o["secrets"])), AgeColumn],
            },
            new("", "v1", "secrets", "Secret", true)
            {
                SelectableFields = ["type"],
                Columns = [NameColumn, Col("Type", "string", (o, _) => o.Str("type")), Col("Data", "string", (o, _) => Count(o["data"])), AgeColumn],
            },
            new("", "v1", "configmaps", "ConfigMap", true)
            {
                ShortNames = ["cm"],
                Columns = [NameColumn, Col("Data", "string", (o, _) => Count(o["data"], o["binaryData"])), AgeColumn],
            },
            new("", "v1", "services", "Service", true)
            {
                ShortNames = ["svc"], Categories = All, HasStatus = true, ReturnsDeletedObject = true,
                Columns =
                [
                    NameColumn,
                    Col("Type", "string", (o, _) => o.Str("spec", "type") ?? "ClusterIP"),
                    Col("Cluster-IP", "string", (o, _) => o.Str("spec", "clusterIP") ?? "<none>"),
                    Col("External-IP", "string", (o, _) => "<none>"),
                    Col("Port(s)", "string", (o, _) => o.At("spec", "ports") is JsonArray ps && ps.Count > 0
                        ? string.Join(",", ps.Select(p => $"{p.Long("port")}/{p.Str("protocol") ?? "TCP"}")) : "<none>"),
                    AgeColumn,
                ],
            },
            new("", "v1", "endpoints", "Endpoints", true)
            {
                ShortNames = ["ep"], Categories = All,
                Columns = [NameColumn, Col("Endpoints", "string", (o, _) => EndpointsAddresses(o)), AgeColumn],
            },
            new("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true)
            {
                SelectableFields = ["addressType"],
                Columns =
                [
                    NameColumn,
                    Col("AddressType", "string", (o, _) => o.Str("addressType")),
                    Col("Ports", "string", (o, _) => o["ports"] is JsonArray ps && ps.Count > 0 ? string.Join(",", ps.Select(p => p.Long("port"))) : "<unset>"),
                    Col("Endpoints", "string", (o, _) => o["endpoints"] is JsonArray es && es.Count > 0
                        ? string.Join(",", es.SelectMany(e => e?["addresses"] as JsonArray ?? []).Select(a => (string?)a)) : "<unset>"),
                    AgeColumn,
                ],
            },
            coreEvents,
            new("events.k8s.io", "v1", "events", "Event", true)
            {
                ShortNames = ["ev"], Storage = new GroupResource("", "events"), StorageApiVersion = "v1", Converter = new EventVersionConverter(),
                SelectableFields = coreEvents.SelectableFields, Columns = coreEvents.Columns,
            },
            new("", "v1", "pods", "Pod", true)
            {
                ShortNames = ["po"], Categories = All, HasStatus = true, ReturnsDeletedObject = true,
                SelectableFields = ["spec.nodeName", "spec.serviceAccountName", "spec.restartPolicy", "spec.schedulerName", "status.phase", "status.podIP", "status.nominatedNodeName"],
                Columns =
                [
                    NameColumn,
                    Col("Ready", "string", (o, _) => PodReady(o)),
                    Col("Status", "string", (o, _) => o.Str("metadata", "deletionTimestamp") is not null ? "Terminating" : o.Str("status", "reason") ?? o.Str("status", "phase") ?? "Pending"),
                    Col("Restarts", "integer", (o, _) => o.At("status", "containerStatuses") is JsonArray cs ? cs.Sum(c => c.Long("restartCount") ?? 0) : 0),
                    AgeColumn,
                    Col("IP", "string", (o, _) => o.Str("status", "podIP") ?? "<none>", 1),
                    Col("Node", "string", (o, _) => o.Str("spec", "nodeName") ?? "<none>", 1),
                ],
            },
            new("apps", "v1", "deployments", "Deployment", true)
            {
                ShortNames = ["deploy"], Categories = All, HasStatus = true, TracksGeneration = true,
                Scale = new ScaleSubresource("spec.replicas", "status.replicas", null),
                Columns =
                [
                    NameColumn,
                    Col("Ready", "string", (o, _) => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 1}"),
                    Col("Up-to-date", "integer", (o, _) => o.Long("status", "updatedReplicas") ?? 0),
                    Col("Available", "integer", (o, _) => o.Long("status", "availableReplicas") ?? 0),
                    AgeColumn,
                    .. WideWorkloadColumns(["spec"], withSelector: true),
                ],
            },
            new("apps", "v1", "replicasets", "ReplicaSet", true)
            {
                ShortNames = ["rs"], Categories = All, HasStatus = true, TracksGeneration = true,
                Scale = new ScaleSubresource("spec.replicas", "status.replicas", null),
                Columns =
                [
                    NameColumn,
                    .. ReplicaColumns,
                    AgeColumn,
                ],
            },
            new("apps", "v1", "statefulsets", "StatefulSet", true)
            {
                ShortNames = ["sts"], Categories = All, HasStatus = true, TracksGeneration = true,
                Scale = new ScaleSubresource("spec.replicas", "status.replicas", null),
                Columns =
                [
                    NameColumn,
                    Col("Ready", "string", (o, _) => $"{o.Long("status", "readyReplicas") ?? 0}/{o.Long("spec", "replicas") ?? 1}"),
                    AgeColumn,
                    .. WideWorkloadColumns(["spec"], withSelector: false),
                ],
            },
            new("apps", "v1", "daemonsets", "DaemonSet", true)
            {
                ShortNames = ["ds"], Categories = All, HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Desired", "integer", (o, _) => o.Long("status", "desiredNumberScheduled") ?? 0),
                    Col("Current", "integer", (o, _) => o.Long("status", "currentNumberScheduled") ?? 0),
                    Col("Ready", "integer", (o, _) => o.Long("status", "numberReady") ?? 0),
                    Col("Up-to-date", "integer", (o, _) => o.Long("status", "updatedNumberScheduled") ?? 0),
                    Col("Available", "integer", (o, _) => o.Long("status", "numberAvailable") ?? 0),
                    Col("Node Selector", "string", (o, _) => o.At("spec", "template", "spec", "nodeSelector") is JsonObject s && s.Count > 0
                        ? string.Join(",", s.Select(kv => $"{kv.Key}={kv.Value}")) : "<none>"),
                    AgeColumn,
                    .. WideWorkloadColumns(["spec"], withSelector: true),
                ],
            },
            new("", "v1", "replicationcontrollers", "ReplicationController", true)
            {
                ShortNames = ["rc"], Categories = All, HasStatus = true, TracksGeneration = true,
                Scale = new ScaleSubresource("spec.replicas", "status.replicas", null),
                Columns =
                [
                    NameColumn,
                    .. ReplicaColumns,
                    AgeColumn,
                ],
            },
            new("batch", "v1", "cronjobs", "CronJob", true)
            {
                ShortNames = ["cj"], Categories = All, HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Schedule", "string", (o, _) => o.Str("spec", "schedule")),
                    Col("Timezone", "string", (o, _) => o.Str("spec", "timeZone") ?? "<none>"),
                    Col("Suspend", "boolean", (o, _) => o.Bool("spec", "suspend") == true ? "True" : "False"),
                    Col("Active", "integer", (o, _) => o.At("status", "active") is JsonArray a ? a.Count : 0),
                    Col("Last Schedule", "string", (o, now) => o.Str("status", "lastScheduleTime") is { } t ? HumanDuration.Since(t, now) : "<none>"),
                    AgeColumn,
                    .. WideWorkloadColumns(["spec", "jobTemplate", "spec"], withSelector: true),
                ],
            },
            new("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true)
            {
                ShortNames = ["pdb"], HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Min Available", "string", (o, _) => o.At("spec", "minAvailable")?.ToString() ?? "N/A"),
                    Col("Max Unavailable", "string", (o, _) => o.At("spec", "maxUnavailable")?.ToString() ?? "N/A"),
                    Col("Allowed Disruptions", "integer", (o, _) => o.Long("status", "disruptionsAllowed") ?? 0),
                    AgeColumn,
                ],
            },
            new("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true)
            {
                ShortNames = ["pvc"], HasStatus = true,
                Columns =
                [
                    NameColumn,
                    Col("Status", "string", (o, _) => o.Str("metadata", "deletionTimestamp") is not null ? "Terminating" : o.Str("status", "phase")),
                    Col("Volume", "string", (o, _) => o.Str("spec", "volumeName") ?? ""),
                    Col("Capacity", "string", (o, _) => o.Str("status", "capacity", "storage") ?? ""),
                    Col("Access Modes", "string", (o, _) => AccessModes(o.At("status", "accessModes"))),
                    Col("StorageClass", "string", (o, _) => o.Str("spec", "storageClassName") ?? "<unset>"),
                    Col("VolumeAttributesClass", "string", (o, _) => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"),
                    AgeColumn,
                    Col("VolumeMode", "string", (o, _) => o.Str("spec", "volumeMode") ?? "<unset>", 1),
                ],
            },
            new("", "v1", "persistentvolumes", "PersistentVolume", false)
            {
                ShortNames = ["pv"], HasStatus = true,
                Columns =
                [
                    NameColumn,
                    Col("Capacity", "string", (o, _) => o.Str("spec", "capacity", "storage") ?? ""),
                    Col("Access Modes", "string", (o, _) => AccessModes(o.At("spec", "accessModes"))),
                    Col("Reclaim Policy", "string", (o, _) => o.Str("spec", "persistentVolumeReclaimPolicy")),
                    Col("Status", "string", (o, _) => o.Str("status", "phase")),
                    Col("Claim", "string", (o, _) => o.At("spec", "claimRef") is JsonObject c ? $"{c.Str("namespace")}/{c.Str("name")}" : ""),
                    Col("StorageClass", "string", (o, _) => o.Str("spec", "storageClassName") ?? ""),
                    Col("VolumeAttributesClass", "string", (o, _) => o.Str("spec", "volumeAttributesClassName") ?? "<unset>"),
                    Col("Reason", "string", (o, _) => o.Str("status", "reason") ?? ""),
                    AgeColumn,
                ],
            },
            new("storage.k8s.io", "v1", "storageclasses", "StorageClass", false)
            {
                ShortNames = ["sc"],
                Columns =
                [
                    // printStorageClass marks the default class in its name.
                    new("Name", "string", NameColumn.Description, 0, (o, _) => o.Str("metadata", "annotations", "storageclass.kubernetes.io/is-default-class") == "true" ? $"{o.Str("metadata", "name")} (default)" : o.Str("metadata", "name")) { Format = "name" },
                    Col("Provisioner", "string", (o, _) => o.Str("provisioner")),
                    Col("ReclaimPolicy", "string", (o, _) => o.Str("reclaimPolicy") ?? "Delete"),
                    Col("VolumeBindingMode", "string", (o, _) => o.Str("volumeBindingMode") ?? "Immediate"),
                    Col("AllowVolumeExpansion", "string", (o, _) => o.Bool("allowVolumeExpansion") == true ? "true" : "false"),
                    AgeColumn,
                ],
            },
            new("networking.k8s.io", "v1", "ingresses", "Ingress", true)
            {
                ShortNames = ["ing"], HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Class", "string", (o, _) => o.Str("spec", "ingressClassName") ?? "<none>"),
                    Col("Hosts", "string", (o, _) => o.At("spec", "rules") is JsonArray rs && rs.Count > 0
                        ? string.Join(",", rs.Select(r => r.Str("host") ?? "*")) : "*"),
                    Col("Address", "string", (o, _) => ""),
                    Col("Ports", "string", (o, _) => o.At("spec", "tls") is JsonArray { Count: > 0 } ? "80, 443" : "80"),
                    AgeColumn,
                ],
            },
            new("batch", "v1", "jobs", "Job", true)
            {
                Categories = All, HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Status", "string", (o, _) => o.Condition("Complete")?.Str("status") == "True" ? "Complete"
                        : o.Condition("Failed")?.Str("status") == "True" ? "Failed" : "Running"),
                    Col("Completions", "string", (o, _) => $"{o.Long("status", "succeeded") ?? 0}/{o.Long("spec", "completions") ?? 1}"),
                    Col("Duration", "string", (o, now) => JobDuration(o, now)),
                    AgeColumn,
                ],
            },
            new("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true)
            {
                ShortNames = ["netpol"], TracksGeneration = true,
                Columns = [NameColumn, Col("Pod-Selector", "string", (o, _) => Selector(o.At("spec", "podSelector"))), AgeColumn],
            },
            new("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true)
            {
                ShortNames = ["hpa"], Categories = All, HasStatus = true,
                Columns =
                [
                    NameColumn,
                    Col("Reference", "string", (o, _) => $"{o.Str("spec", "scaleTargetRef", "kind")}/{o.Str("spec", "scaleTargetRef", "name")}"),
                    Col("MinPods", "integer", (o, _) => o.Long("spec", "minReplicas") ?? 1),
                    Col("MaxPods", "integer", (o, _) => o.Long("spec", "maxReplicas")),
                    Col("Replicas", "integer", (o, _) => o.Long("status", "currentReplicas") ?? 0),
                    AgeColumn,
                ],
            },
            new("rbac.authorization.k8s.io", "v1", "roles", "Role", true) { Columns = [NameColumn, CreatedAtColumn] },
            new("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true) { Columns = [NameColumn, RoleRefColumn, AgeColumn] },
            new("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false) { Columns = [NameColumn, CreatedAtColumn] },
            new("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false) { Columns = [NameColumn, RoleRefColumn, AgeColumn] },
            new("coordination.k8s.io", "v1", "leases", "Lease", true)
            {
                Columns = [NameColumn, Col("Holder", "string", (o, _) => o.Str("spec", "holderIdentity") ?? ""), AgeColumn],
            },
            new("apiextensions.k8s.io", "v1", "customresourcedefinitions", "CustomResourceDefinition", false)
            {
                ShortNames = ["crd", "crds"], Categories = ["api-extensions"], HasStatus = true, TracksGeneration = true, ReturnsDeletedObject = true,
                Columns = [NameColumn, CreatedAtColumn],
            },
            new("admissionregistration.k8s.io", "v1", "validatingadmissionpolicies", "ValidatingAdmissionPolicy", false)
            {
                Categories = ["api-extensions"], HasStatus = true, TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("Validations", "integer", (o, _) => o.At("spec", "validations") is JsonArray v ? v.Count : 0),
                    Col("ParamKind", "string", (o, _) => o.At("spec", "paramKind") is JsonObject pk ? $"{pk.Str("apiVersion")}/{pk.Str("kind")}" : "<unset>"),
                    AgeColumn,
                ],
            },
            new("admissionregistration.k8s.io", "v1", "validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding", false)
            {
                Categories = ["api-extensions"], TracksGeneration = true,
                Columns =
                [
                    NameColumn,
                    Col("PolicyName", "string", (o, _) => o.Str("spec", "policyName")),
                    Col("ParamRef", "string", (o, _) => o.At("spec", "paramRef") is JsonObject pr ? $"{pr.Str("namespace")}/{pr.Str("name")}" : "<unset>"),
                    AgeColumn,
                ],
            },
            new("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false) { Verbs = CreateOnly, IsVirtual = true },
            new("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false) { Verbs = CreateOnly, IsVirtual = true },
            new("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false) { Verbs = CreateOnly, IsVirtual = true },
            new("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false) { Verbs = CreateOnly, IsVirtual = true },
            new("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false) { Verbs = CreateOnly, IsVirtual = true },
        ];
    }

    public static readonly PrinterColumn NameColumn = new("Name", "string", "Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names", 0,
        (o, _) => o.Str("metadata", "name"))
    { Format = "name" };

    public static readonly PrinterColumn AgeColumn = Col("Age", "string", (o, now) => HumanDuration.Since(o.Str("metadata", "creationTimestamp"), now));

    private static readonly PrinterColumn CreatedAtColumn = Col("Created At", "date", (o, _) => o.Str("metadata", "creationTimestamp"));

    private static readonly PrinterColumn RoleRefColumn = Col("Role", "string", (o, _) => $"{o.Str("roleRef", "kind")}/{o.Str("roleRef", "name")}");

    // ReplicaSet and ReplicationController: kubectl's DESIRED, CURRENT, READY.
    private static readonly PrinterColumn[] ReplicaColumns =
    [
        Col("Desired", "integer", (o, _) => o.Long("spec", "replicas") ?? 1),
        Col("Current", "integer", (o, _) => o.Long("status", "replicas") ?? 0),
        Col("Ready", "integer", (o, _) => o.Long("status", "readyReplicas") ?? 0),
    ];

    /// <summary>The <c>-o wide</c> columns of a workload whose pod template and selector sit under <paramref name="specPath"/>.</summary>
    private static PrinterColumn[] WideWorkloadColumns(string[] specPath, bool withSelector)
    {
        PrinterColumn[] containers =
        [
            Col("Containers", "string", (o, _) => Containers(o.At([.. specPath, "template"]), "name"), 1),
            Col("Images", "string", (o, _) => Containers(o.At([.. specPath, "template"]), "image"), 1),
        ];
        return withSelector ? [.. containers, Col("Selector", "string", (o, _) => Selector(o.At([.. specPath, "selector"])), 1)] : containers;
    }

    private static PrinterColumn Col(string name, string type, Func<JsonObject, DateTimeOffset, object?> cell, int priority = 0) =>
        new(name, type, name, priority, (o, now) => cell(o, now) switch
        {
            null => null,
            string s => JsonValue.Create(s),
            long l => JsonValue.Create(l),
            int i => JsonValue.Create(i),
            var other => JsonValue.Create(Convert.ToString(other, CultureInfo.InvariantCulture)),
        });

    private static string Count(params JsonNode?[] maps) => maps.Sum(m => m switch
    {
        JsonObject o => o.Count,
        JsonArray a => a.Count,
        _ => 0,
    }).ToString(CultureInfo.InvariantCulture);

    // kubectl's ENDPOINTS column: every address:port of every subset.
    private static string EndpointsAddresses(JsonObject endpoints)
    {
        var pairs = (endpoints["subsets"] as JsonArray ?? []).OfType<JsonObject>().SelectMany(subset =>
            (subset["addresses"] as JsonArray ?? []).Select(a => a.Str("ip")).SelectMany(ip =>
                (subset["ports"] as JsonArray ?? []).Select(p => $"{ip}:{p.Long("port")}"))).ToList();
        return pairs.Count > 0 ? string.Join(",", pairs) : "<none>";
    }

    // kubectl's node STATUS: the Ready condition, then SchedulingDisabled when cordoned.
    private static string NodeStatus(JsonObject node)
    {
        var ready = node.Condition("Ready")?.Str("status") switch
        {
            "True" => "Ready",
            "False" => "NotReady",
            _ => "Unknown",
        };
        return node.Bool("spec", "unschedulable") == true ? ready + ",SchedulingDisabled" : ready;
    }

    private static string NodeAddress(JsonObject node, string type) =>
        (node.At("status", "addresses") as JsonArray ?? []).FirstOrDefault(a => a.Str("type") == type).Str("address") ?? "<none>";

    // kubectl's ACCESS MODES: RWO, ROX, RWX, RWOP.
    private static string AccessModes(JsonNode? modes) =>
        string.Join(",", (modes as JsonArray ?? []).Select(m => (string?)m switch
        {
            "ReadWriteOnce" => "RWO",
            "ReadOnlyMany" => "ROX",
            "ReadWriteMany" => "RWX",
            "ReadWriteOncePod" => "RWOP",
            var other => other,
        }));

    private static string PodReady(JsonObject pod)
    {
        var total = pod.At("spec", "containers") is JsonArray c ? c.Count : 0;
        var ready = pod.At("status", "containerStatuses") is JsonArray cs ? cs.Count(s => s.Bool("ready") == true) : 0;
        return $"{ready}/{total}";
    }

    private static string JobDuration(JsonObject job, DateTimeOffset now)
    {
        if (!DateTimeOffset.TryParse(job.Str("status", "startTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
        {
            return "";
        }

        var end = DateTimeOffset.TryParse(job.Str("status", "completionTime"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var c) ? c : now;
        return HumanDuration.Format(end - start);
    }

    private static string Containers(JsonNode? template, string field) =>
        template.At("spec", "containers") is JsonArray cs ? string.Join(",", cs.Select(c => c.Str(field))) : "";

    private static string Selector(JsonNode? selector) =>
        selector.At("matchLabels") is JsonObject m && m.Count > 0
            ? string.Join(",", m.Select(kv => $"{kv.Key}={kv.Value}"))
            : "<none>";
}
