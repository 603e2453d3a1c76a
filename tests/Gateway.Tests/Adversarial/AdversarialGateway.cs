using System.Text.Json.Nodes;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Gateway.Tests.Adversarial;

/// <summary>
/// One real gateway for the whole corpus: the support-refund test bundle plus <c>adversarial.probe</c>, a read tool
/// whose schema uses pattern, enum, oneOf, format, additionalProperties, nested objects and an allOf ceiling.
/// </summary>
public sealed class AdversarialGateway : IAsyncLifetime
{
    public GatewayUnderTest Gateway { get; private set; } = null!;

    public static readonly JsonObject ProbeSchema = JsonNode.Parse("""
        {
          "type": "object",
          "additionalProperties": false,
          "required": ["id", "count"],
          "properties": {
            "id": { "type": "string", "pattern": "^ORD-[0-9]{6,12}$" },
            "count": { "type": "integer", "minimum": 0, "maximum": 100 },
            "currency": { "type": "string", "enum": ["USD", "EUR"] },
            "kind": { "oneOf": [{ "const": "a" }, { "const": "b" }] },
            "note": { "type": "string", "maxLength": 64 },
            "amount": { "type": "number" },
            "due": { "type": "string", "format": "date" },
            "address": { "type": "object", "properties": { "city": { "type": "string" } } },
            "items": { "type": "array", "items": { "type": "object" } }
          },
          "allOf": [{ "properties": { "count": { "maximum": 50 } } }]
        }
        """)!.AsObject();

    public async Task InitializeAsync() => Gateway = await GatewayUnderTest.StartAsync(upstream =>
    {
        var bundle = TestBundles.SupportRefund(upstream);
        return bundle with
        {
            Tools =
            [
                .. bundle.Tools,
                new BundleTool
                {
                    Name = "adversarial.probe",
                    Description = "a read tool for the adversarial corpus",
                    Owner = "tests",
                    RiskTier = 0,
                    Actions = [ToolAction.Read],
                    InputSchema = ProbeSchema,
                    Upstream = new ToolUpstream { Url = upstream + "/probe", TimeoutSeconds = 5 },
                },
            ],
        };
    });

    public async Task DisposeAsync() => await Gateway.DisposeAsync();
}
