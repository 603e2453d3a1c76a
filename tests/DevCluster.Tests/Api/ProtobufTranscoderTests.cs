using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Api.Protobuf;

namespace AgentOperator.DevCluster.Tests.Api;

/// <summary>
/// The protobuf transcoder against the generated.proto field numbers: every built-in kind kubectl's generators send
/// survives JSON → protobuf → JSON unchanged, as kube-apiserver's protobuf and JSON serializers agree on one object.
/// </summary>
public sealed class ProtobufTranscoderTests
{
    private const string Meta = """
        "metadata": {"name": "n1", "namespace": "ns", "uid": "u-1", "resourceVersion": "7", "generation": 3,
          "creationTimestamp": "2026-12-05T10:00:00Z", "labels": {"app": "web"}, "annotations": {"a/b": "c"},
          "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "rs", "uid": "u-0", "controller": true, "blockOwnerDeletion": false}],
          "finalizers": ["f/one"],
          "managedFields": [{"manager": "kubectl", "operation": "Update", "apiVersion": "v1", "time": "2026-12-05T10:00:00Z",
            "fieldsType": "FieldsV1", "fieldsV1": {"f:metadata": {"f:labels": {".": {}}}}}]}
        """;

    private const string PodTemplate = """
        "template": {"metadata": {"labels": {"app": "web"}}, "spec": {
          "restartPolicy": "Always", "terminationGracePeriodSeconds": 0, "serviceAccountName": "bot", "nodeSelector": {"disk": "ssd"},
          "securityContext": {"runAsNonRoot": true, "runAsUser": 1000}, "automountServiceAccountToken": false,
          "imagePullSecrets": [{"name": "pull"}], "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule", "tolerationSeconds": 30}],
          "initContainers": [{"name": "init", "image": "busybox", "restartPolicy": "Always"}],
          "containers": [{"name": "app", "image": "nginx:1.27", "command": ["nginx"], "args": ["-g", "daemon off;"], "workingDir": "/w",
            "ports": [{"name": "http", "containerPort": 8080, "protocol": "TCP"}],
            "env": [{"name": "A", "value": "1"}, {"name": "S", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token", "optional": false}}},
                    {"name": "F", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}}],
            "envFrom": [{"prefix": "P_", "configMapRef": {"name": "cm"}}],
            "resources": {"limits": {"cpu": "500m", "memory": "128Mi"}, "requests": {"cpu": "100m"}},
            "volumeMounts": [{"name": "cfg", "mountPath": "/etc/cfg", "readOnly": true}],
            "readinessProbe": {"httpGet": {"path": "/healthz", "port": "http"}, "periodSeconds": 5},
            "livenessProbe": {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 3},
            "securityContext": {"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}},
            "imagePullPolicy": "IfNotPresent", "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
          "volumes": [{"name": "cfg", "configMap": {"name": "cm", "defaultMode": 420, "items": [{"key": "a", "path": "a.txt"}]}},
                      {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}}, {"name": "sec", "secret": {"secretName": "creds", "optional": true}},
                      {"name": "data", "persistentVolumeClaim": {"claimName": "pvc"}}, {"name": "host", "hostPath": {"path": "/var", "type": ""}}]}}
        """;

    private static readonly Dictionary<string, string> Samples = new()
    {
        ["Role"] = """
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", META,
            "rules": [{"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list"], "resourceNames": ["p1"]}]}
            """,
        ["ClusterRole"] = """
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", META,
            "rules": [{"nonResourceURLs": ["/healthz"], "verbs": ["get"]}],
            "aggregationRule": {"clusterRoleSelectors": [{"matchLabels": {"agg": "true"}, "matchExpressions": [{"key": "k", "operator": "In", "values": ["a", "b"]}]}]}}
            """,
        ["RoleBinding"] = """
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", META,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}, {"kind": "ServiceAccount", "name": "bot", "namespace": "ns"}]}
            """,
        ["ClusterRoleBinding"] = """
            {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", META,
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "system:masters"}]}
            """,
        ["Deployment"] = """
            {"apiVersion": "apps/v1", "kind": "Deployment", META,
            "spec": {"replicas": 0, "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600, "minReadySeconds": 5, "paused": true,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}, TEMPLATE},
            "status": {"observedGeneration": 3, "replicas": 2, "readyReplicas": 2, "availableReplicas": 2, "updatedReplicas": 2,
            "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "ok",
            "lastUpdateTime": "2026-12-05T10:00:00Z", "lastTransitionTime": "2026-12-05T10:00:01Z"}]}}
            """,
        ["Job"] = """
            {"apiVersion": "batch/v1", "kind": "Job", META,
            "spec": {"parallelism": 1, "completions": 1, "backoffLimit": 0, "activeDeadlineSeconds": 60, "ttlSecondsAfterFinished": 100,
            "completionMode": "NonIndexed", "suspend": false, "manualSelector": false, "podReplacementPolicy": "TerminatingOrFailed",
            "selector": {"matchLabels": {"batch.kubernetes.io/controller-uid": "u-1"}}, TEMPLATE},
            "status": {"active": 1, "succeeded": 2, "failed": 1, "ready": 0, "terminating": 0, "startTime": "2026-12-05T10:00:00Z",
            "conditions": [{"type": "Complete", "status": "True", "lastProbeTime": "2026-12-05T10:00:00Z", "lastTransitionTime": "2026-12-05T10:00:00Z"}]}}
            """,
    };

    [Theory]
    [InlineData("Role")]
    [InlineData("ClusterRole")]
    [InlineData("RoleBinding")]
    [InlineData("ClusterRoleBinding")]
    [InlineData("Deployment")]
    [InlineData("Job")]
    public void Built_in_kinds_survive_a_JSON_protobuf_JSON_round_trip(string kind)
    {
        // kube-apiserver: one object, two encodings (JSON and protobuf) that carry the same fields.
        var original = JsonNode.Parse(Samples[kind].Replace("META", Meta, StringComparison.Ordinal).Replace("TEMPLATE", PodTemplate, StringComparison.Ordinal))!.AsObject();
        var envelope = ProtobufBodies.Encode(original);
        Assert.NotNull(envelope);
        Assert.Equal("k8s\0"u8.ToArray(), envelope[..4]);

        var decoded = ProtobufBodies.Decode(envelope);
        Assert.Equal(kind, (string?)decoded["kind"]);
        Assert.True(JsonNode.DeepEquals(Canonical(original), Canonical(decoded)), $"expected\n{Canonical(original)}\nbut decoded\n{Canonical(decoded)}");
    }

    [Fact]
    public void Zero_valued_non_pointer_scalars_are_left_out_and_pointer_zeros_are_kept()
    {
        // Go's JSON: omitempty drops a zero int/string/bool; a pointer (replicas, backoffLimit) set to 0 is a value.
        var bytes = ProtobufTranscoder.FromJson(JsonNode.Parse("""{"replicas": 0, "minReadySeconds": 0, "paused": false}""")!.AsObject(), "DeploymentSpec");
        var decoded = ProtobufTranscoder.ToJson(bytes, "DeploymentSpec");
        Assert.Equal(0, (long?)decoded["replicas"]);
        Assert.False(decoded.ContainsKey("minReadySeconds"));
        Assert.False(decoded.ContainsKey("paused"));
    }

    [Fact]
    public void Unknown_fields_are_skipped()
    {
        // kube-apiserver's protobuf decoder ignores fields it does not know (newer clients, dropped fields).
        var known = ProtobufTranscoder.FromJson(JsonNode.Parse("""{"kind": "User", "name": "alice"}""")!.AsObject(), "Subject");
        byte[] unknown = [0xa8, 0x1f, 0x01, 0xb5, 0x1f, 1, 2, 3, 4, 0xb2, 0x1f, 0x01, 0x00];
        var decoded = ProtobufTranscoder.ToJson([.. unknown, .. known], "Subject");
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""{"kind": "User", "name": "alice"}"""), decoded), decoded.ToJsonString());
    }

    [Theory]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73 })]
    [InlineData(new byte[] { 0x7b, 0x7d, 0x0a, 0x0a })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x12, 0x05, 0x0a })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x12, 0x03, 0x0a, 0x01, 0xff })]
    [InlineData(new byte[] { 0x6b, 0x38, 0x73, 0x00, 0x0f })]
    public void A_body_that_is_not_protobuf_is_a_400(byte[] body)
    {
        // kube-apiserver: a body its content type's decoder rejects is a BadRequest.
        var e = Assert.Throws<ApiException>(() => ProtobufBodies.Decode(body));
        Assert.Equal(400, e.Code);
    }

    [Fact]
    public void A_kind_without_a_field_table_is_a_415()
    {
        // kube-apiserver: a custom resource has no protobuf encoding, so a protobuf body for it is unsupported.
        var typeMeta = new ProtoWriter();
        typeMeta.String(1, "example.com/v1");
        typeMeta.String(2, "Widget");
        var unknown = new ProtoWriter();
        unknown.Bytes(1, typeMeta.ToArray());
        var e = Assert.Throws<ApiException>(() => ProtobufBodies.Decode([.. "k8s\0"u8, .. unknown.ToArray()]));
        Assert.Equal(415, e.Code);
    }

    // Round-tripped JSON is compared with object keys in one order.
    private static JsonNode? Canonical(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => KeyValuePair.Create(kv.Key, Canonical(kv.Value)))),
        JsonArray a => new JsonArray(a.Select(Canonical).ToArray()),
        null => null,
        _ => JsonNode.Parse(node.ToJsonString()),
    };
}
