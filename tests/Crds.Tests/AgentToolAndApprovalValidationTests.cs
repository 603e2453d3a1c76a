using System.Text.Json.Nodes;

namespace AgentOperator.Crds.Tests;

/// <summary>AgentTool and AgentApproval manifests against the committed CRDs.</summary>
public sealed class AgentToolAndApprovalValidationTests
{
    private static IReadOnlyList<string> AdmitTool(Action<JsonNode> change)
    {
        var tool = Manifests.Tool();
        change(tool["spec"]!);
        return AgentSchemas.Tool.Admit(tool);
    }

    [Fact]
    public void A_complete_refund_tool_is_valid() => Assert.Empty(AgentSchemas.Tool.Admit(Manifests.Tool()));

    [Fact]
    public void An_upstream_with_both_url_and_mcp_is_rejected_with_the_exactly_one_rule_message() =>
        Assert.Equal(
            ["spec.upstream: Invalid value: \"object\": upstream must set exactly one of url or mcp"],
            AdmitTool(spec => spec["upstream"]!["mcp"] = new JsonObject { ["url"] = "http://mcp.internal/mcp", ["toolName"] = "refund" }));

    [Fact]
    public void An_upstream_with_neither_url_nor_mcp_is_rejected_with_the_exactly_one_rule_message() =>
        Assert.Equal(
            ["spec.upstream: Invalid value: \"object\": upstream must set exactly one of url or mcp"],
            AdmitTool(spec => spec["upstream"]!.AsObject().Remove("url")));

    [Fact]
    public void Auth_with_both_a_secret_and_a_bound_token_is_rejected() =>
        Assert.Equal(
            ["spec.auth: Invalid value: \"object\": auth must set at most one of secretRef or boundToken"],
            AdmitTool(spec => spec["auth"]!["boundToken"] = new JsonObject { ["audience"] = "payments" }));

    [Fact]
    public void A_risk_tier_0_tool_that_allows_writes_is_rejected() =>
        Assert.Equal(
            ["spec.riskTier: Invalid value: \"object\": a risk tier 0 tool may only allow the read action"],
            AdmitTool(spec => spec["riskTier"] = 0));

    [Fact]
    public void Duplicate_tool_actions_are_rejected() =>
        Assert.Equal(
            ["spec.actions: Invalid value: \"array\": actions must be unique"],
            AdmitTool(spec => spec["actions"] = new JsonArray("create", "create")));

    [Fact]
    public void A_bound_token_shorter_than_600_seconds_is_rejected_by_the_minimum() =>
        Assert.Equal(
            ["spec.auth.boundToken.expirationSeconds: Invalid value: 60: spec.auth.boundToken.expirationSeconds in body should be greater than or equal to 600"],
            AdmitTool(spec => spec["auth"] = new JsonObject { ["boundToken"] = new JsonObject { ["audience"] = "payments", ["expirationSeconds"] = 60 } }));

    [Fact]
    public void The_input_schema_keeps_its_unknown_fields()
    {
        var tool = Manifests.Tool();
        var pruned = AgentSchemas.Tool.Prune(tool);
        Assert.Empty(pruned);
        Assert.NotNull(tool["spec"]!["inputSchema"]!["properties"]!["amount_usd"]!["minimum"]);
    }

    [Fact]
    public void A_new_approval_is_valid_and_gets_a_pending_status_default_only_when_status_is_present()
    {
        var approval = Manifests.Approval();
        Assert.Empty(AgentSchemas.Approval.Admit(approval));
        Assert.Null(approval["status"]);

        var withStatus = Manifests.Approval();
        withStatus["status"] = new JsonObject();
        Assert.Empty(AgentSchemas.Approval.Admit(withStatus));
        Assert.Equal("Pending", (string?)withStatus["status"]!["decision"]);
    }

    [Fact]
    public void Changing_an_approvals_spec_is_rejected_by_the_transition_rule()
    {
        var old = Manifests.Approval();
        var changed = Manifests.Approval();
        changed["spec"]!["input"]!["amount_usd"] = 40;
        Assert.Equal(
            ["spec: Invalid value: \"object\": spec is immutable: an approval is for exactly the action it was created for"],
            AgentSchemas.Approval.Admit(changed, old));
    }

    [Fact]
    public void Updating_an_approval_with_the_same_spec_passes_the_transition_rule()
    {
        var old = Manifests.Approval();
        var updated = Manifests.Approval();
        updated["status"] = new JsonObject { ["decision"] = "Approved" };
        Assert.Empty(AgentSchemas.Approval.Admit(updated, old));
    }

    [Fact]
    public void An_expiry_that_is_not_a_date_time_is_rejected_with_the_format() =>
        Assert.Equal(
            "spec.expiresAt: Invalid value: \"tomorrow\": spec.expiresAt in body must be of type date-time: \"tomorrow\"",
            Admit(a => a["spec"]!["expiresAt"] = "tomorrow")[0]);

    [Fact]
    public void An_input_hash_that_is_not_sha256_hex_is_rejected_by_the_pattern() =>
        Assert.Equal(
            ["spec.inputSha256: Invalid value: \"abc\": spec.inputSha256 in body should match '^[a-f0-9]{64}$'"],
            Admit(a => a["spec"]!["inputSha256"] = "abc"));

    [Fact]
    public void Three_approvals_required_is_rejected_by_the_maximum() =>
        Assert.Equal(
            ["spec.approvalsRequired: Invalid value: 3: spec.approvalsRequired in body should be less than or equal to 2"],
            Admit(a => a["spec"]!["approvalsRequired"] = 3));

    private static IReadOnlyList<string> Admit(Action<JsonNode> change)
    {
        var approval = Manifests.Approval();
        change(approval);
        return AgentSchemas.Approval.Admit(approval);
    }
}
