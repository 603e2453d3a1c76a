using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api.Protobuf;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Kubectl;

/// <summary>
/// kubectl's typed generators (<c>kubectl create role|rolebinding|clusterrole|clusterrolebinding|deployment|job</c>)
/// send <c>application/vnd.kubernetes.protobuf</c> bodies; kube-apiserver decodes them like JSON, skips unknown
/// protobuf fields, refuses a body that is not protobuf with 400, and answers protobuf to a client that accepts
/// nothing else.
/// </summary>
public sealed class KubectlCreateGeneratorTests(ClusterFixture cluster) : IClassFixture<ClusterFixture>
{
    [Fact]
    public async Task Create_rolebinding_as_the_README_writes_it_stores_roleRef_and_group_subject()
    {
        // kube-apiserver: a protobuf RoleBinding is stored as if it had been sent as JSON (the README's plain command).
        var ns = await cluster.CreateNamespaceAsync();
        Assert.Contains("rolebinding.rbac.authorization.k8s.io/refund-approvers created", await cluster.Kubectl.SucceedAsync(
            $"create rolebinding refund-approvers -n {ns} --clusterrole=agentoperator-approver --group=finance-approvers"));
        await cluster.Kubectl.SucceedAsync($"create rolebinding alice-approves -n {ns} --clusterrole=agentoperator-approver --user=alice");

        var binding = await GetJsonAsync($"get rolebinding refund-approvers -n {ns}");
        Assert.Equal("ClusterRole", (string?)binding["roleRef"]!["kind"]);
        Assert.Equal("agentoperator-approver", (string?)binding["roleRef"]!["name"]);
        Assert.Equal("rbac.authorization.k8s.io", (string?)binding["roleRef"]!["apiGroup"]);
        Assert.Equal("Group", (string?)binding["subjects"]![0]!["kind"]);
        Assert.Equal("finance-approvers", (string?)binding["subjects"]![0]!["name"]);
        var alice = await GetJsonAsync($"get rolebinding alice-approves -n {ns}");
        Assert.Equal("User", (string?)alice["subjects"]![0]!["kind"]);
        Assert.Equal("alice", (string?)alice["subjects"]![0]!["name"]);
    }

    [Fact]
    public async Task Create_role_stores_verbs_resources_and_api_groups_and_the_role_authorizes()
    {
        // kube-apiserver: a protobuf Role's PolicyRules land as written and RBAC enforces them.
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create role pod-reader -n {ns} --verb=get --verb=list --resource=pods --resource=deployments.apps");
        await cluster.Kubectl.SucceedAsync($"create rolebinding pod-reader -n {ns} --role=pod-reader --user=reader");

        var role = await GetJsonAsync($"get role pod-reader -n {ns}");
        var rules = role["rules"]!.AsArray();
        Assert.Contains(rules, r => (string?)r!["apiGroups"]![0] == "" && (string?)r["resources"]![0] == "pods");
        Assert.Contains(rules, r => (string?)r!["apiGroups"]![0] == "apps" && (string?)r["resources"]![0] == "deployments");
        Assert.All(rules, r => Assert.Equal(["get", "list"], r!["verbs"]!.AsArray().Select(v => (string?)v)));
        Assert.Equal("yes", (await cluster.Kubectl.SucceedAsync($"auth can-i list pods -n {ns} --as reader")).Trim());
    }

    [Fact]
    public async Task Create_clusterrole_and_clusterrolebinding_store_rules_and_subjects()
    {
        // kube-apiserver: cluster-scoped RBAC kinds decode from protobuf the same way.
        var name = "gen-" + Guid.NewGuid().ToString("N")[..6];
        await cluster.Kubectl.SucceedAsync($"create clusterrole {name} --verb=get --non-resource-url=/healthz");
        await cluster.Kubectl.SucceedAsync($"create clusterrolebinding {name} --clusterrole={name} --serviceaccount=default:bot");

        var role = await GetJsonAsync($"get clusterrole {name}");
        Assert.Equal("/healthz", (string?)role["rules"]![0]!["nonResourceURLs"]![0]);
        var binding = await GetJsonAsync($"get clusterrolebinding {name}");
        Assert.Equal("ServiceAccount", (string?)binding["subjects"]![0]!["kind"]);
        Assert.Equal("default", (string?)binding["subjects"]![0]!["namespace"]);
        Assert.Equal("bot", (string?)binding["subjects"]![0]!["name"]);
    }

    [Fact]
    public async Task Create_deployment_stores_its_pod_template_and_the_deployment_becomes_available()
    {
        // kube-apiserver: a protobuf Deployment (DeploymentSpec, LabelSelector, PodTemplateSpec, Container) lands as JSON.
        var ns = await cluster.CreateNamespaceAsync();
        Assert.Contains("deployment.apps/web created", await cluster.Kubectl.SucceedAsync($"create deployment web -n {ns} --image=nginx:1.27 --replicas=2 --port=8080"));

        var deployment = await GetJsonAsync($"get deployment web -n {ns}");
        Assert.Equal(2, (int?)deployment["spec"]!["replicas"]);
        Assert.Equal("web", (string?)deployment["spec"]!["selector"]!["matchLabels"]!["app"]);
        Assert.Equal("web", (string?)deployment["spec"]!["template"]!["metadata"]!["labels"]!["app"]);
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("nginx", (string?)container["name"]);
        Assert.Equal("nginx:1.27", (string?)container["image"]);
        Assert.Equal(8080, (int?)container["ports"]![0]!["containerPort"]);
        var wait = await cluster.Kubectl.RunAsync($"wait -n {ns} --for=condition=Available deployment/web --timeout=20s", timeout: TimeSpan.FromSeconds(30));
        Assert.True(wait.ExitCode == 0, wait.ToString());
    }

    [Fact]
    public async Task Create_deployment_with_zero_replicas_keeps_the_explicit_zero()
    {
        // kube-apiserver: replicas is a pointer, so a protobuf 0 is a value, not "unset" (which defaults to 1).
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create deployment idle -n {ns} --image=nginx --replicas=0");
        Assert.Equal("0", (await cluster.Kubectl.SucceedAsync($"get deployment idle -n {ns} -o jsonpath={{.spec.replicas}}")).Trim());
    }

    [Fact]
    public async Task Create_job_stores_its_command_and_restartPolicy_Never()
    {
        // kube-apiserver: a protobuf Job (JobSpec, PodTemplateSpec) lands as JSON.
        var ns = await cluster.CreateNamespaceAsync();
        Assert.Contains("job.batch/once created", await cluster.Kubectl.SucceedAsync(["create", "job", "once", "-n", ns, "--image=busybox:1.36", "--", "sh", "-c", "echo hi"]));

        var job = await GetJsonAsync($"get job once -n {ns}");
        var spec = job["spec"]!["template"]!["spec"]!;
        Assert.Equal("Never", (string?)spec["restartPolicy"]);
        Assert.Equal("busybox:1.36", (string?)spec["containers"]![0]!["image"]);
        Assert.Equal(["sh", "-c", "echo hi"], spec["containers"]![0]!["command"]!.AsArray().Select(c => (string?)c));
    }

    [Fact]
    public async Task A_protobuf_body_with_unknown_fields_is_accepted_and_they_are_skipped()
    {
        // kube-apiserver: the protobuf decoder skips fields it does not know.
        var ns = await cluster.CreateNamespaceAsync();
        var body = ProtobufBodies.Encode(JsonNode.Parse("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"extra"},"data":{"a":"1"}}""")!.AsObject())!;
        byte[] unknownField = [0xa2, 0x06, 0x02, 0x68, 0x69]; // field 100, length-delimited "hi", appended to the Unknown envelope
        var response = await PostProtobufAsync($"api/v1/namespaces/{ns}/configmaps", [.. body, .. unknownField]);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Equal("1", (await cluster.Kubectl.SucceedAsync($"get configmap extra -n {ns} -o jsonpath={{.data.a}}")).Trim());
    }

    [Fact]
    public async Task A_body_that_is_not_protobuf_is_a_400()
    {
        // kube-apiserver: a body that does not decode under its content type is a BadRequest.
        var ns = await cluster.CreateNamespaceAsync();
        var truncated = await PostProtobufAsync($"api/v1/namespaces/{ns}/configmaps", [.. "k8s\0"u8, 0x0a, 0x50, 0x01]);
        Assert.Equal(HttpStatusCode.BadRequest, truncated.StatusCode);
        Assert.Contains("could not be decoded as protobuf", await truncated.Content.ReadAsStringAsync());

        var json = await PostProtobufAsync($"api/v1/namespaces/{ns}/configmaps", "{\"kind\":\"ConfigMap\"}"u8.ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, json.StatusCode);
    }

    [Fact]
    public async Task A_client_that_accepts_only_protobuf_gets_protobuf_and_a_406_for_kinds_without_it()
    {
        // kube-apiserver: content negotiation answers in the one media type the client accepts.
        var ns = await cluster.CreateNamespaceAsync();
        await cluster.Kubectl.SucceedAsync($"create rolebinding viewers -n {ns} --clusterrole=view --user=alice");

        using var request = new HttpRequestMessage(HttpMethod.Get, $"apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings/viewers");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ProtobufBodies.MediaType));
        var response = await cluster.Http.SendAsync(request);
        Assert.Equal(ProtobufBodies.MediaType, response.Content.Headers.ContentType?.MediaType);
        var decoded = ProtobufBodies.Decode(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal("viewers", (string?)decoded["metadata"]!["name"]);
        Assert.Equal("alice", (string?)decoded["subjects"]![0]!["name"]);

        using var list = new HttpRequestMessage(HttpMethod.Get, $"apis/rbac.authorization.k8s.io/v1/namespaces/{ns}/rolebindings");
        list.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ProtobufBodies.MediaType));
        var listed = ProtobufBodies.Decode(await (await cluster.Http.SendAsync(list)).Content.ReadAsByteArrayAsync());
        Assert.Equal("RoleBindingList", (string?)listed["kind"]);
        Assert.Equal("viewers", (string?)listed["items"]![0]!["metadata"]!["name"]);

        using var services = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/services/kubernetes");
        services.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(ProtobufBodies.MediaType));
        Assert.Equal(HttpStatusCode.NotAcceptable, (await cluster.Http.SendAsync(services)).StatusCode);
    }

    private async Task<JsonNode> GetJsonAsync(string get) => JsonNode.Parse(await cluster.Kubectl.SucceedAsync(get + " -o json"))!;

    private Task<HttpResponseMessage> PostProtobufAsync(string path, byte[] body)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue(ProtobufBodies.MediaType);
        return cluster.Http.PostAsync(path, content);
    }
}
