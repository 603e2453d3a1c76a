namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>
/// Field tables of the built-in messages, numbered as in k8s.io/api and k8s.io/apimachinery generated.proto. Fields
/// left out are skipped on decode, as kube-apiserver skips unknown protobuf fields; a kind not listed here is a 415.
/// </summary>
internal static class ProtoSchemas
{
    public static readonly IReadOnlyDictionary<string, IReadOnlyDictionary<int, ProtoField>> Messages = Build();

    public static bool IsKnown(string message) => Messages.ContainsKey(message);

    private static Dictionary<string, IReadOnlyDictionary<int, ProtoField>> Build()
    {
        var m = new Dictionary<string, IReadOnlyDictionary<int, ProtoField>>();
        void Add(string name, params ProtoField[] fields) => m[name] = fields.ToDictionary(f => f.Number);

        // meta/v1
        Add("ObjectMeta", S(1, "name"), S(2, "generateName"), S(3, "namespace"), S(4, "selfLink"), S(5, "uid"), S(6, "resourceVersion"),
            I(7, "generation"), T(8, "creationTimestamp"), T(9, "deletionTimestamp"), I(10, "deletionGracePeriodSeconds", pointer: true),
            Map(11, "labels"), Map(12, "annotations"), L(13, "ownerReferences", "OwnerReference"), SL(14, "finalizers"),
            L(17, "managedFields", "ManagedFieldsEntry"));
        Add("OwnerReference", S(1, "kind"), S(3, "name"), S(4, "uid"), S(5, "apiVersion"), B(6, "controller", pointer: true), B(7, "blockOwnerDeletion", pointer: true));
        Add("ManagedFieldsEntry", S(1, "manager"), S(2, "operation"), S(3, "apiVersion"), T(4, "time"), S(6, "fieldsType"),
            new(7, "fieldsV1", ProtoKind.RawJson), S(8, "subresource"));
        Add("ListMeta", S(1, "selfLink"), S(2, "resourceVersion"), S(3, "continue"), I(4, "remainingItemCount", pointer: true));
        Add("LabelSelector", Map(1, "matchLabels"), L(2, "matchExpressions", "LabelSelectorRequirement"));
        Add("LabelSelectorRequirement", S(1, "key"), S(2, "operator"), SL(3, "values"));
        Add("Status", M(1, "metadata", "ListMeta"), S(2, "status"), S(3, "message"), S(4, "reason"), M(5, "details", "StatusDetails"), I(6, "code"));
        Add("StatusDetails", S(1, "name"), S(2, "group"), S(3, "kind"), L(4, "causes", "StatusCause"), I(5, "retryAfterSeconds"), S(6, "uid"));
        Add("StatusCause", S(1, "reason"), S(2, "message"), S(3, "field"));

        // rbac/v1
        Add("PolicyRule", SL(1, "verbs"), SL(2, "apiGroups"), SL(3, "resources"), SL(4, "resourceNames"), SL(5, "nonResourceURLs"));
        Add("Role", Meta(), L(2, "rules", "PolicyRule"));
        Add("ClusterRole", Meta(), L(2, "rules", "PolicyRule"), M(3, "aggregationRule", "AggregationRule"));
        Add("AggregationRule", L(1, "clusterRoleSelectors", "LabelSelector"));
        Add("RoleBinding", Meta(), L(2, "subjects", "Subject"), M(3, "roleRef", "RoleRef"));
        Add("ClusterRoleBinding", Meta(), L(2, "subjects", "Subject"), M(3, "roleRef", "RoleRef"));
        Add("RoleRef", S(1, "apiGroup"), S(2, "kind"), S(3, "name"));
        Add("Subject", S(1, "kind"), S(2, "apiGroup"), S(3, "name"), S(4, "namespace"));

        // apps/v1
        Add("Deployment", Meta(), M(2, "spec", "DeploymentSpec"), M(3, "status", "DeploymentStatus"));
        Add("DeploymentSpec", I(1, "replicas", pointer: true), M(2, "selector", "LabelSelector"), M(3, "template", "PodTemplateSpec"),
            M(4, "strategy", "DeploymentStrategy"), I(5, "minReadySeconds"), I(6, "revisionHistoryLimit", pointer: true), B(7, "paused"),
            I(9, "progressDeadlineSeconds", pointer: true), S(10, "podReplacementPolicy", pointer: true));
        Add("DeploymentStrategy", S(1, "type"), M(2, "rollingUpdate", "RollingUpdateDeployment"));
        Add("RollingUpdateDeployment", new(1, "maxUnavailable", ProtoKind.IntOrString), new(2, "maxSurge", ProtoKind.IntOrString));
        Add("DeploymentStatus", I(1, "observedGeneration"), I(2, "replicas"), I(3, "updatedReplicas"), I(4, "availableReplicas"),
            I(5, "unavailableReplicas"), L(6, "conditions", "DeploymentCondition"), I(7, "readyReplicas"), I(8, "collisionCount", pointer: true),
            I(9, "terminatingReplicas", pointer: true));
        Add("DeploymentCondition", S(1, "type"), S(2, "status"), S(4, "reason"), S(5, "message"), T(6, "lastUpdateTime"), T(7, "lastTransitionTime"));

        // batch/v1
        Add("Job", Meta(), M(2, "spec", "JobSpec"), M(3, "status", "JobStatus"));
        Add("JobSpec", I(1, "parallelism", pointer: true), I(2, "completions", pointer: true), I(3, "activeDeadlineSeconds", pointer: true),
            M(4, "selector", "LabelSelector"), B(5, "manualSelector", pointer: true), M(6, "template", "PodTemplateSpec"),
            I(7, "backoffLimit", pointer: true), I(8, "ttlSecondsAfterFinished", pointer: true), S(9, "completionMode", pointer: true),
            B(10, "suspend", pointer: true), I(12, "backoffLimitPerIndex", pointer: true), I(13, "maxFailedIndexes", pointer: true),
            S(14, "podReplacementPolicy", pointer: true), S(15, "managedBy", pointer: true));
        Add("JobStatus", L(1, "conditions", "JobCondition"), T(2, "startTime"), T(3, "completionTime"), I(4, "active"), I(5, "succeeded"),
            I(6, "failed"), S(7, "completedIndexes"), I(9, "ready", pointer: true), S(10, "failedIndexes", pointer: true), I(11, "terminating", pointer: true));
        Add("JobCondition", S(1, "type"), S(2, "status"), T(3, "lastProbeTime"), T(4, "lastTransitionTime"), S(5, "reason"), S(6, "message"));

        // core/v1: pods and their templates
        Add("PodTemplateSpec", Meta(), M(2, "spec", "PodSpec"));
        Add("PodSpec", L(1, "volumes", "Volume"), L(2, "containers", "Container"), S(3, "restartPolicy"),
            I(4, "terminationGracePeriodSeconds", pointer: true), I(5, "activeDeadlineSeconds", pointer: true), S(6, "dnsPolicy"),
            Map(7, "nodeSelector"), S(8, "serviceAccountName"), S(9, "serviceAccount"), S(10, "nodeName"), B(11, "hostNetwork"),
            B(12, "hostPID"), B(13, "hostIPC"), M(14, "securityContext", "PodSecurityContext"), L(15, "imagePullSecrets", "LocalObjectReference"),
            S(16, "hostname"), S(17, "subdomain"), S(19, "schedulerName"), L(20, "initContainers", "Container"),
            B(21, "automountServiceAccountToken", pointer: true), L(22, "tolerations", "Toleration"), S(24, "priorityClassName"),
            I(25, "priority", pointer: true), B(27, "shareProcessNamespace", pointer: true), S(29, "runtimeClassName", pointer: true),
            B(30, "enableServiceLinks", pointer: true), S(31, "preemptionPolicy", pointer: true), B(35, "setHostnameAsFQDN", pointer: true),
            B(37, "hostUsers", pointer: true));
        Add("PodSecurityContext", I(2, "runAsUser", pointer: true), B(3, "runAsNonRoot", pointer: true), I(5, "fsGroup", pointer: true),
            I(6, "runAsGroup", pointer: true));
        Add("Toleration", S(1, "key"), S(2, "operator"), S(3, "value"), S(4, "effect"), I(5, "tolerationSeconds", pointer: true));
        Add("LocalObjectReference", S(1, "name"));
        Add("Container", S(1, "name"), S(2, "image"), SL(3, "command"), SL(4, "args"), S(5, "workingDir"), L(6, "ports", "ContainerPort"),
            L(7, "env", "EnvVar"), M(8, "resources", "ResourceRequirements"), L(9, "volumeMounts", "VolumeMount"),
            M(10, "livenessProbe", "Probe"), M(11, "readinessProbe", "Probe"), S(13, "terminationMessagePath"), S(14, "imagePullPolicy"),
            M(15, "securityContext", "SecurityContext"), B(16, "stdin"), B(17, "stdinOnce"), B(18, "tty"), L(19, "envFrom", "EnvFromSource"),
            S(20, "terminationMessagePolicy"), M(22, "startupProbe", "Probe"), S(24, "restartPolicy", pointer: true));
        Add("ContainerPort", S(1, "name"), I(2, "hostPort"), I(3, "containerPort"), S(4, "protocol"), S(5, "hostIP"));
        Add("EnvVar", S(1, "name"), S(2, "value"), M(3, "valueFrom", "EnvVarSource"));
        Add("EnvVarSource", M(1, "fieldRef", "ObjectFieldSelector"), M(2, "resourceFieldRef", "ResourceFieldSelector"),
            M(3, "configMapKeyRef", "KeySelector"), M(4, "secretKeyRef", "KeySelector"));
        Add("ObjectFieldSelector", S(1, "apiVersion"), S(2, "fieldPath"));
        Add("ResourceFieldSelector", S(1, "containerName"), S(2, "resource"), new(3, "divisor", ProtoKind.Quantity));
        // ConfigMapKeySelector and SecretKeySelector share this shape.
        Add("KeySelector", new(1, "localObjectReference", ProtoKind.Inline, "LocalObjectReference"), S(2, "key"), B(3, "optional", pointer: true));
        Add("EnvFromSource", S(1, "prefix"), M(2, "configMapRef", "EnvSource"), M(3, "secretRef", "EnvSource"));
        // ConfigMapEnvSource and SecretEnvSource share this shape.
        Add("EnvSource", new(1, "localObjectReference", ProtoKind.Inline, "LocalObjectReference"), B(2, "optional", pointer: true));
        Add("ResourceRequirements", new(1, "limits", ProtoKind.Quantity, Map: true), new(2, "requests", ProtoKind.Quantity, Map: true),
            L(3, "claims", "ResourceClaim"));
        Add("ResourceClaim", S(1, "name"), S(2, "request"));
        Add("Probe", new(1, "handler", ProtoKind.Inline, "ProbeHandler"), I(2, "initialDelaySeconds"), I(3, "timeoutSeconds"),
            I(4, "periodSeconds"), I(5, "successThreshold"), I(6, "failureThreshold"), I(7, "terminationGracePeriodSeconds", pointer: true));
        Add("ProbeHandler", M(1, "exec", "ExecAction"), M(2, "httpGet", "HTTPGetAction"), M(3, "tcpSocket", "TCPSocketAction"), M(4, "grpc", "GRPCAction"));
        Add("ExecAction", SL(1, "command"));
        Add("HTTPGetAction", S(1, "path"), new(2, "port", ProtoKind.IntOrString), S(3, "host"), S(4, "scheme"), L(5, "httpHeaders", "HTTPHeader"));
        Add("HTTPHeader", S(1, "name"), S(2, "value"));
        Add("TCPSocketAction", new(1, "port", ProtoKind.IntOrString), S(2, "host"));
        Add("GRPCAction", I(1, "port"), S(2, "service", pointer: true));
        Add("SecurityContext", M(1, "capabilities", "Capabilities"), B(2, "privileged", pointer: true), I(4, "runAsUser", pointer: true),
            B(5, "runAsNonRoot", pointer: true), B(6, "readOnlyRootFilesystem", pointer: true), B(7, "allowPrivilegeEscalation", pointer: true),
            I(8, "runAsGroup", pointer: true), S(9, "procMount", pointer: true), M(11, "seccompProfile", "SeccompProfile"));
        Add("Capabilities", SL(1, "add"), SL(2, "drop"));
        Add("SeccompProfile", S(1, "type"), S(2, "localhostProfile", pointer: true));
        Add("VolumeMount", S(1, "name"), B(2, "readOnly"), S(3, "mountPath"), S(4, "subPath"), S(5, "mountPropagation", pointer: true),
            S(6, "subPathExpr"), S(7, "recursiveReadOnly", pointer: true));
        Add("Volume", S(1, "name"), new(2, "volumeSource", ProtoKind.Inline, "VolumeSource"));
        Add("VolumeSource", M(1, "hostPath", "HostPathVolumeSource"), M(2, "emptyDir", "EmptyDirVolumeSource"), M(6, "secret", "SecretVolumeSource"),
            M(10, "persistentVolumeClaim", "PersistentVolumeClaimVolumeSource"), M(19, "configMap", "ConfigMapVolumeSource"));
        Add("HostPathVolumeSource", S(1, "path"), S(2, "type", pointer: true));
        Add("EmptyDirVolumeSource", S(1, "medium"), new(2, "sizeLimit", ProtoKind.Quantity));
        Add("SecretVolumeSource", S(1, "secretName"), L(2, "items", "KeyToPath"), I(3, "defaultMode", pointer: true), B(4, "optional", pointer: true));
        Add("PersistentVolumeClaimVolumeSource", S(1, "claimName"), B(2, "readOnly"));
        Add("ConfigMapVolumeSource", new(1, "localObjectReference", ProtoKind.Inline, "LocalObjectReference"), L(2, "items", "KeyToPath"),
            I(3, "defaultMode", pointer: true), B(4, "optional", pointer: true));
        Add("KeyToPath", S(1, "key"), S(2, "path"), I(3, "mode", pointer: true));

        // core/v1 and auth kinds kubectl's other generators and auth commands create
        Add("Namespace", Meta(), M(2, "spec", "NamespaceSpec"));
        Add("NamespaceSpec", SL(1, "finalizers"));
        Add("ConfigMap", Meta(), Map(2, "data"), new(3, "binaryData", ProtoKind.Bytes, Map: true), B(4, "immutable", pointer: true));
        Add("Secret", Meta(), new(2, "data", ProtoKind.Bytes, Map: true), S(3, "type"), Map(4, "stringData"), B(5, "immutable", pointer: true));
        Add("ServiceAccount", Meta(), B(3, "automountServiceAccountToken", pointer: true));
        Add("TokenRequest", Meta(), M(2, "spec", "TokenRequestSpec"));
        Add("TokenRequestSpec", SL(1, "audiences"), M(3, "boundObjectRef", "BoundObjectReference"), I(4, "expirationSeconds", pointer: true));
        Add("BoundObjectReference", S(1, "kind"), S(2, "apiVersion"), S(3, "name"), S(4, "uid"));
        Add("SelfSubjectAccessReview", Meta(), M(2, "spec", "SelfSubjectAccessReviewSpec"));
        Add("SelfSubjectAccessReviewSpec", M(1, "resourceAttributes", "ResourceAttributes"), M(2, "nonResourceAttributes", "NonResourceAttributes"));
        Add("ResourceAttributes", S(1, "namespace"), S(2, "verb"), S(3, "group"), S(4, "version"), S(5, "resource"), S(6, "subresource"), S(7, "name"));
        Add("NonResourceAttributes", S(1, "path"), S(2, "verb"));
        Add("SelfSubjectReview", Meta());
        Add("SelfSubjectRulesReview", Meta(), M(2, "spec", "SelfSubjectRulesReviewSpec"));
        Add("SelfSubjectRulesReviewSpec", S(1, "namespace"));

        // Every XList is {metadata: ListMeta = 1, items: repeated X = 2}.
        foreach (var kind in m.Keys.Where(k => m[k].TryGetValue(1, out var f) && f.Message == "ObjectMeta").ToList())
        {
            Add(kind + "List", M(1, "metadata", "ListMeta"), L(2, "items", kind));
        }

        return m;
    }

    private static ProtoField Meta() => M(1, "metadata", "ObjectMeta");

    private static ProtoField S(int n, string name, bool pointer = false) => new(n, name, ProtoKind.String, Pointer: pointer);

    private static ProtoField SL(int n, string name) => new(n, name, ProtoKind.String, Repeated: true);

    private static ProtoField I(int n, string name, bool pointer = false) => new(n, name, ProtoKind.Int, Pointer: pointer);

    private static ProtoField B(int n, string name, bool pointer = false) => new(n, name, ProtoKind.Bool, Pointer: pointer);

    private static ProtoField T(int n, string name) => new(n, name, ProtoKind.Time);

    private static ProtoField M(int n, string name, string message) => new(n, name, ProtoKind.Message, message);

    private static ProtoField L(int n, string name, string message) => new(n, name, ProtoKind.Message, message, Repeated: true);

    private static ProtoField Map(int n, string name) => new(n, name, ProtoKind.String, Map: true);
}
