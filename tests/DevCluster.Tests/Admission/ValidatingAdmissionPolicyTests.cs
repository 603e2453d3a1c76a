using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Tests.Infrastructure;

namespace AgentOperator.DevCluster.Tests.Admission;

/// <summary>
/// ValidatingAdmissionPolicy as kube-apiserver enforces it (k8s.io/apiserver/pkg/admission/plugin/policy/validating),
/// through the real kubectl: policies and bindings are served like other built-ins; every write of every user,
/// system:masters included, is admitted against them with the final object (after patching) and the stored one;
/// a denial is <c>admission.NewForbidden</c> with the validation's reason and code and the message
/// <c>ValidatingAdmissionPolicy '…' with binding '…' denied request: …</c>; Warn is an HTTP 299 warning;
/// failurePolicy decides what an expression error does; <c>request.userInfo</c> is the user after impersonation and
/// <c>authorizer</c> checks that user's RBAC permissions.
/// </summary>
public sealed class ValidatingAdmissionPolicyTests(UsersClusterFixture cluster) : IClassFixture<UsersClusterFixture>
{
    // A reduced form of the approval policy (the shipped one is config/admission, tested against the operator in
    // Operator.Tests' approval suites), with a matchCondition so the stand-in's matchConditions are exercised too.
    private const string ApprovalPolicy = """
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: agentoperator-approval-decisions}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - apiGroups: ["agentoperator.io"]
              apiVersions: ["*"]
              operations: ["UPDATE"]
              resources: ["agentapprovals/status"]
          matchConditions:
          - name: adds-a-verdict
            expression: "size(has(object.status) && has(object.status.approvals) ? object.status.approvals : []) != size(has(oldObject.status) && has(oldObject.status.approvals) ? oldObject.status.approvals : [])"
          variables:
          - name: added
            expression: "object.status.approvals[size(object.status.approvals) - 1]"
          validations:
          - expression: "variables.added.user == request.userInfo.username"
            messageExpression: "'status.approvals[].user must be the user the API server authenticated (' + request.userInfo.username + '), not ' + variables.added.user"
            reason: Forbidden
          - expression: "authorizer.group('agentoperator.io').resource('agentapprovals').namespace(request.namespace).name(request.name).check('approve').allowed()"
            messageExpression: "'user ' + request.userInfo.username + ' cannot approve agentapprovals in namespace ' + request.namespace"
            reason: Forbidden
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: agentoperator-approval-decisions}
        spec:
          policyName: agentoperator-approval-decisions
          validationActions: [Deny]
        """;

    private const string Denied = "ValidatingAdmissionPolicy 'agentoperator-approval-decisions' with binding 'agentoperator-approval-decisions' denied request: ";

    [Fact]
    public async Task Policies_and_bindings_are_served_like_built_ins_for_kubectl_apply_get_and_delete()
    {
        var resources = await cluster.Kubectl.SucceedAsync("api-resources --api-group=admissionregistration.k8s.io");
        Assert.Matches(@"validatingadmissionpolicies\s+admissionregistration\.k8s\.io/v1\s+false\s+ValidatingAdmissionPolicy", resources);
        Assert.Matches(@"validatingadmissionpolicybindings\s+admissionregistration\.k8s\.io/v1\s+false\s+ValidatingAdmissionPolicyBinding", resources);

        var ns = await cluster.CreateNamespaceAsync();
        var (policy, _) = await NamespacedPolicyAsync("served", ns, "ConfigMap", "true", "Deny");
        Assert.Matches($@"{policy}\s+1\s+<unset>", await cluster.Kubectl.SucceedAsync("get validatingadmissionpolicies"));
        Assert.Matches($@"{policy}\s+{policy}\s+<unset>", await cluster.Kubectl.SucceedAsync("get validatingadmissionpolicybindings"));
        Assert.Contains("unchanged", await cluster.Kubectl.SucceedAsync("apply -f -", PolicyYaml(policy, "kubernetes.io/metadata.name", ns, "ConfigMap", "true", "Deny")));
        Assert.Contains($"validatingadmissionpolicy.admissionregistration.k8s.io/{policy} serverside-applied",
            await cluster.Kubectl.SucceedAsync("apply --server-side --force-conflicts -f -", PolicyYaml(policy, "kubernetes.io/metadata.name", ns, "ConfigMap", "true", "Deny")));
        Assert.Contains("deleted", await cluster.Kubectl.SucceedAsync($"delete validatingadmissionpolicybinding {policy}"));
        Assert.Contains("deleted", await cluster.Kubectl.SucceedAsync($"delete validatingadmissionpolicy {policy}"));
    }

    [Fact]
    public async Task A_refused_kubectl_create_shows_kube_apiservers_message_and_exits_1_and_the_status_is_422_Invalid()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (policy, binding) = await NamespacedPolicyAsync("small-configmaps", ns, "ConfigMap", "!has(object.data) || size(object.data) < 2", "Deny");

        var refused = await cluster.Kubectl.RunAsync($"create configmap big -n {ns} --from-literal=a=1 --from-literal=b=2");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains(
            $"error: failed to create configmap: configmaps \"big\" is forbidden: ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request: failed expression: !has(object.data) || size(object.data) < 2",
            refused.Stderr);
        await cluster.Kubectl.SucceedAsync($"create configmap small -n {ns} --from-literal=a=1");

        using var response = await cluster.Http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            new StringContent("""{"metadata":{"name":"big2"},"data":{"a":"1","b":"2"}}""", Encoding.UTF8, "application/json"));
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((HttpStatusCode)422, response.StatusCode);
        Assert.Equal("Invalid", (string?)status["reason"]);
        Assert.Equal(422, (int?)status["code"]);
        Assert.Equal("configmaps", (string?)status["details"]!["kind"]);
        Assert.Equal("big2", (string?)status["details"]!["name"]);
        Assert.StartsWith($"ValidatingAdmissionPolicy '{policy}' with binding '{binding}' denied request:", (string?)status["details"]!["causes"]![0]!["message"]);
    }

    [Fact]
    public async Task The_approval_policy_refuses_self_naming_for_everyone_including_system_masters_and_admits_the_authenticated_approver()
    {
        var ns = await ApprovalNamespaceAsync();

        // kubectl patch --subresource=status as alice, naming someone else: 403 Forbidden with the messageExpression.
        var forged = await cluster.Alice.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("mallory")]);
        Assert.Equal(1, forged.ExitCode);
        Assert.Contains(
            $"Error from server (Forbidden): agentapprovals.agentoperator.io \"refund-1\" is forbidden: {Denied}status.approvals[].user must be the user the API server authenticated (alice), not mallory",
            forged.Stderr);

        // Cluster admins are admitted like everyone else.
        var admin = await cluster.Kubectl.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("alice")]);
        Assert.Equal(1, admin.ExitCode);
        Assert.Contains($"{Denied}status.approvals[].user must be the user the API server authenticated (admin), not alice", admin.Stderr);

        // A status write that adds no verdict does not match (matchConditions false): allowed.
        await cluster.Alice.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", """{"status":{"decision":"Pending"}}"""]);

        // alice naming herself, with the approve verb: stored.
        await cluster.Alice.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("alice")]);
        var stored = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get agentapproval refund-1 -n {ns} -o json"))!;
        Assert.Equal("alice", (string?)stored["status"]!["approvals"]![0]!["user"]);
    }

    [Fact]
    public async Task The_authorizer_checks_the_approve_verb_through_RBAC_for_the_requesting_user()
    {
        var ns = await ApprovalNamespaceAsync();

        // bob may patch the status (the Role) but is not bound to agentoperator-approver.
        var refused = await cluster.Bob.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("bob")]);
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"{Denied}user bob cannot approve agentapprovals in namespace {ns}", refused.Stderr);

        await BindApproverAsync(ns, "bob");
        await cluster.Bob.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("bob")]);
    }

    [Fact]
    public async Task Json_patch_of_the_status_sees_the_stored_object_as_oldObject_and_the_patched_one_as_object()
    {
        var ns = await ApprovalNamespaceAsync();
        await cluster.Alice.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("alice")]);
        await BindApproverAsync(ns, "bob");

        // The second verdict is appended by a JSON patch; the policy compares with the stored list (oldObject).
        const string Append = """[{"op":"add","path":"/status/approvals/-","value":{"user":"carol","verdict":"approve","time":"2026-12-05T10:00:00Z"}}]""";
        var forged = await cluster.Bob.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=json", "-p", Append]);
        Assert.Equal(1, forged.ExitCode);
        Assert.Contains($"{Denied}status.approvals[].user must be the user the API server authenticated (bob), not carol", forged.Stderr);

        await cluster.Bob.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=json", "-p", Append.Replace("carol", "bob", StringComparison.Ordinal)]);
        var stored = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get agentapproval refund-1 -n {ns} -o json"))!;
        Assert.Equal(["alice", "bob"], stored["status"]!["approvals"]!.AsArray().Select(a => (string?)a!["user"]));
    }

    [Fact]
    public async Task Impersonation_makes_request_userInfo_and_the_authorizer_the_impersonated_user()
    {
        var ns = await ApprovalNamespaceAsync();
        var asCarol = await cluster.Kubectl.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("alice"), "--as=carol"]);
        Assert.Equal(1, asCarol.ExitCode);
        Assert.Contains($"{Denied}status.approvals[].user must be the user the API server authenticated (carol), not alice", asCarol.Stderr);

        var carolNoVerb = await cluster.Kubectl.RunAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("carol"), "--as=carol"]);
        Assert.Contains($"{Denied}user carol cannot approve agentapprovals in namespace {ns}", carolNoVerb.Stderr);

        await cluster.Kubectl.SucceedAsync(["patch", "agentapproval", "refund-1", "-n", ns, "--subresource=status", "--type=merge", "-p", Approval("carol"), "--as=carol", "--as-group=finance-approvers"]);
    }

    [Fact]
    public async Task Server_side_apply_and_update_of_the_status_are_admitted_too()
    {
        var ns = await ApprovalNamespaceAsync();
        var applied = await cluster.Alice.RunAsync(["apply", "--server-side", "--subresource=status", "-n", ns, "-f", "-"], $$"""
            apiVersion: agentoperator.io/v1alpha1
            kind: AgentApproval
            metadata: {name: refund-1}
            status:
              approvals: [{user: mallory, verdict: approve, time: "2026-12-05T10:00:00Z"}]
            """);
        Assert.Equal(1, applied.ExitCode);
        Assert.Contains($"{Denied}status.approvals[].user must be the user the API server authenticated (alice), not mallory", applied.Stderr);

        var live = JsonNode.Parse(await cluster.Kubectl.SucceedAsync($"get agentapproval refund-1 -n {ns} -o json"))!.AsObject();
        live["status"] = JsonNode.Parse("""{"approvals":[{"user":"mallory","verdict":"approve","time":"2026-12-05T10:00:00Z"}]}""");
        var replaced = await cluster.Alice.RunAsync(["replace", "--subresource=status", "-f", "-"], live.ToJsonString());
        Assert.Equal(1, replaced.ExitCode);
        Assert.Contains("not mallory", replaced.Stderr);
    }

    [Fact]
    public async Task Warn_action_sends_the_kube_apiserver_warning_and_admits()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (policy, binding) = await NamespacedPolicyAsync("warn-labels", ns, "ConfigMap", "has(object.metadata.labels) && 'team' in object.metadata.labels", "Warn");
        var result = await cluster.Kubectl.RunAsync($"create configmap unlabelled -n {ns}");
        Assert.Equal(0, result.ExitCode);
        Assert.Contains($"Warning: Validation failed for ValidatingAdmissionPolicy '{policy}' with binding '{binding}': failed expression: has(object.metadata.labels) && 'team' in object.metadata.labels", result.Stderr);
    }

    [Fact]
    public async Task A_runtime_error_refuses_under_failurePolicy_Fail_and_admits_under_Ignore()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var (policy, _) = await NamespacedPolicyAsync("runtime-error", ns, "ConfigMap", "object.data.missing == 'x'", "Deny");
        var refused = await cluster.Kubectl.RunAsync($"create configmap c1 -n {ns} --from-literal=a=1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("denied request: expression 'object.data.missing == 'x'' resulted in error: no such key", refused.Stderr);

        await cluster.Kubectl.SucceedAsync(["patch", "validatingadmissionpolicy", policy, "--type=merge", "-p", """{"spec":{"failurePolicy":"Ignore"}}"""]);
        await cluster.Kubectl.SucceedAsync($"create configmap c1 -n {ns} --from-literal=a=1");
    }

    [Fact]
    public async Task A_validation_that_does_not_compile_refuses_every_matched_request_naming_the_compile_error()
    {
        var ns = await cluster.CreateNamespaceAsync();
        await NamespacedPolicyAsync("broken", ns, "ConfigMap", "object.data +* 2", "Deny");
        var refused = await cluster.Kubectl.RunAsync($"create configmap c1 -n {ns}");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("denied request: compilation error: ", refused.Stderr);
    }

    [Fact]
    public async Task Delete_is_admitted_with_the_stored_object_as_oldObject_and_a_null_object()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var policy = "protect-" + ns;
        await cluster.Kubectl.SucceedAsync("apply -f -", $$"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: {{policy}}}
            spec:
              matchConstraints:
                resourceRules:
                - {apiGroups: [""], apiVersions: ["v1"], operations: ["DELETE"], resources: ["configmaps"]}
                namespaceSelector:
                  matchLabels: {kubernetes.io/metadata.name: {{ns}} }
                objectSelector:
                  matchLabels: {protected: "true"}
              validations:
              - expression: "object == null && oldObject.metadata.name != '' && request.operation == 'DELETE'"
              - expression: "false"
                message: "protected ConfigMaps cannot be deleted"
                reason: Forbidden
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: {{policy}}}
            spec: {policyName: {{policy}}, validationActions: [Deny]}
            """);
        await cluster.Kubectl.SucceedAsync($"create configmap keep -n {ns}");
        await cluster.Kubectl.SucceedAsync($"label configmap keep -n {ns} protected=true");
        await cluster.Kubectl.SucceedAsync($"create configmap scratch -n {ns}");

        var refused = await cluster.Kubectl.RunAsync($"delete configmap keep -n {ns}");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"Error from server (Forbidden): configmaps \"keep\" is forbidden: ValidatingAdmissionPolicy '{policy}' with binding '{policy}' denied request: protected ConfigMaps cannot be deleted", refused.Stderr);
        await cluster.Kubectl.SucceedAsync($"delete configmap scratch -n {ns}");
    }

    [Fact]
    public async Task Variables_namespaceObject_and_request_fields_are_available_to_validations()
    {
        var ns = await cluster.CreateNamespaceAsync();
        var policy = "context-" + ns;
        await cluster.Kubectl.SucceedAsync("apply -f -", $$"""
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicy
            metadata: {name: {{policy}}}
            spec:
              matchConstraints:
                resourceRules:
                - {apiGroups: ["*"], apiVersions: ["*"], operations: ["CREATE", "UPDATE"], resources: ["configmaps"]}
                excludeResourceRules:
                - {apiGroups: [""], apiVersions: ["v1"], operations: ["*"], resources: ["configmaps"], resourceNames: ["kube-root-ca.crt"]}
              matchConditions:
              - {name: this-namespace, expression: "request.namespace == '{{ns}}'"}
              variables:
              - {name: owner, expression: "namespaceObject.metadata.labels['kubernetes.io/metadata.name']"}
              - {name: data, expression: "has(object.data) ? object.data : {}"}
              validations:
              - expression: "variables.owner == request.namespace && request.kind.kind == 'ConfigMap' && request.resource.resource == 'configmaps' && request.userInfo.username == 'admin' && 'system:masters' in request.userInfo.groups"
              - expression: "!('other' in variables.data) && variables.data.size() <= 3"
                messageExpression: "'the key other is reserved in namespace ' + namespaceObject.metadata.name + ' (' + string(size(variables.data)) + ' keys)'"
              - expression: "request.operation != 'UPDATE' || oldObject.metadata.uid == object.metadata.uid"
            ---
            apiVersion: admissionregistration.k8s.io/v1
            kind: ValidatingAdmissionPolicyBinding
            metadata: {name: {{policy}}}
            spec: {policyName: {{policy}}, validationActions: [Deny]}
            """);
        await cluster.Kubectl.SucceedAsync($"create configmap good -n {ns} --from-literal=app.a=1");
        await cluster.Kubectl.SucceedAsync($"label configmap good -n {ns} x=y");
        var refused = await cluster.Kubectl.RunAsync($"create configmap bad -n {ns} --from-literal=other=1");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains($"denied request: the key other is reserved in namespace {ns} (1 keys)", refused.Stderr);
    }

    private Task<string> BindApproverAsync(string ns, string user) =>
        cluster.Kubectl.SucceedAsync($"create rolebinding {user}-approves -n {ns} --clusterrole=agentoperator-approver --user={user}");

    private static string Approval(string user) =>
        "{\"status\":{\"approvals\":[{\"user\":\"" + user + "\",\"verdict\":\"approve\",\"time\":\"2026-12-05T10:00:00Z\"}]}}";

    /// <summary>
    /// The shipped AgentApproval CRD and approver ClusterRole, the approval policy, and a namespace with one pending
    /// approval where alice and bob may patch approval status and finance-approvers (alice) hold the approve verb.
    /// </summary>
    private async Task<string> ApprovalNamespaceAsync()
    {
        await cluster.Kubectl.SucceedAsync($"apply -f {UsersClusterFixture.RepositoryFile("config/crd/bases/agentoperator.io_agentapprovals.yaml")}");
        await cluster.Kubectl.SucceedAsync($"apply -f {UsersClusterFixture.RepositoryFile("config/rbac/approver_role.yaml")}");
        await Eventually.MatchAsync(async () => (await cluster.Kubectl.RunAsync("get agentapprovals -A")).ExitCode, code => code == 0, "agentapprovals to be served");
        await cluster.Kubectl.SucceedAsync("apply -f -", ApprovalPolicy);
        var ns = await cluster.CreateNamespaceAsync("approvals");
        await cluster.Kubectl.SucceedAsync($"apply -n {ns} -f -", """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: approval-status-writer}
            rules:
            - {apiGroups: [agentoperator.io], resources: [agentapprovals/status], verbs: [get, patch, update]}
            - {apiGroups: [agentoperator.io], resources: [agentapprovals], verbs: [get, list]}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: status-writers}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: approval-status-writer}
            subjects:
            - {apiGroup: rbac.authorization.k8s.io, kind: User, name: alice}
            - {apiGroup: rbac.authorization.k8s.io, kind: User, name: bob}
            - {apiGroup: rbac.authorization.k8s.io, kind: User, name: carol}
            ---
            apiVersion: rbac.authorization.k8s.io/v1
            kind: RoleBinding
            metadata: {name: approvers}
            roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: agentoperator-approver}
            subjects:
            - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: finance-approvers}
            ---
            apiVersion: agentoperator.io/v1alpha1
            kind: AgentApproval
            metadata: {name: refund-1}
            spec:
              workflow: refunds
              revision: r1
              runId: run-1
              tool: payments.refund
              action: create
              inputSha256: "0000000000000000000000000000000000000000000000000000000000000000"
              riskTier: 3
              approvalsRequired: 1
              expiresAt: "2030-01-01T00:00:00Z"
            """);
        return ns;
    }

    /// <summary>A policy on one kind of the core group, limited to <paramref name="ns"/> by the binding's namespaceSelector.</summary>
    private async Task<(string Policy, string Binding)> NamespacedPolicyAsync(string name, string ns, string kind, string expression, string action)
    {
        var policy = $"{name}-{ns}";
        await cluster.Kubectl.SucceedAsync("apply -f -", PolicyYaml(policy, "kubernetes.io/metadata.name", ns, kind, expression, action));
        return (policy, policy);
    }

    private static string PolicyYaml(string policy, string labelKey, string labelValue, string kind, string expression, string action) => $$"""
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicy
        metadata: {name: {{policy}}}
        spec:
          failurePolicy: Fail
          matchConstraints:
            resourceRules:
            - {apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["{{kind.ToLowerInvariant()}}s"]}
          validations:
          - expression: {{System.Text.Json.JsonSerializer.Serialize(expression)}}
        ---
        apiVersion: admissionregistration.k8s.io/v1
        kind: ValidatingAdmissionPolicyBinding
        metadata: {name: {{policy}}}
        spec:
          policyName: {{policy}}
          validationActions: [{{action}}]
          matchResources:
            namespaceSelector:
              matchLabels: { {{labelKey}}: {{labelValue}} }
        """;
}
