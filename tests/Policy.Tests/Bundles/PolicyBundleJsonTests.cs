using System.Text.Json;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Tests.Fixtures;

namespace AgentOperator.Policy.Tests.Bundles;

public class PolicyBundleJsonTests
{
    [Fact]
    public void Bundle_round_trips_through_json()
    {
        var bundle = PolicyFixture.CompileBundle();

        var json = PolicyBundleJson.Serialize(bundle);
        var read = PolicyBundleJson.Deserialize(json);

        Assert.Equal(json, PolicyBundleJson.Serialize(read));
        Assert.Equal(bundle.Revision, read.Revision);
        Assert.Equal(bundle.Tools.Select(t => t.Name), read.Tools.Select(t => t.Name));
    }

    [Fact]
    public void Json_uses_the_crd_spellings()
    {
        var json = JsonDocument.Parse(PolicyBundleJson.Serialize(PolicyFixture.CompileBundle())).RootElement;

        Assert.Equal(PolicyBundle.CurrentSchemaVersion, json.GetProperty("schemaVersion").GetString());
        Assert.Equal("auto", json.GetProperty("autonomy").GetString());
        Assert.Equal("support", json.GetProperty("workflow").GetProperty("namespace").GetString());
        var refund = json.GetProperty("tools").EnumerateArray().Single(t => t.GetProperty("name").GetString() == "payments.issue_refund");
        Assert.Equal("create", refund.GetProperty("actions")[0].GetString());
        Assert.Equal(6, refund.GetProperty("rateLimit").GetProperty("requestsPerMinute").GetInt32());
        Assert.Equal("tool-creds", refund.GetProperty("auth").GetProperty("secretRef").GetProperty("name").GetString());
        Assert.Equal("escalate", json.GetProperty("rules")[0].GetProperty("onFail").GetString());
        Assert.Equal("card_number", json.GetProperty("redact")[1].GetString());
        Assert.Equal(30, json.GetProperty("budgets").GetProperty("maxToolCalls").GetInt32());
    }

    [Fact]
    public void Unknown_schema_version_is_refused()
    {
        var json = PolicyBundleJson.Serialize(PolicyFixture.CompileBundle() with { SchemaVersion = "agentoperator.io/policy-bundle/v9" });

        var error = Assert.Throws<JsonException>(() => PolicyBundleJson.Deserialize(json));

        Assert.Contains("v9", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_bundle_is_refused()
    {
        Assert.ThrowsAny<JsonException>(() => PolicyBundleJson.Deserialize("""{"schemaVersion":"agentoperator.io/policy-bundle/v1"}"""));
        Assert.ThrowsAny<JsonException>(() => PolicyBundleJson.Deserialize("{"));
    }
}
