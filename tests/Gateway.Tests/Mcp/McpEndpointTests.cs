using System.Text.Json;
using AgentOperator.Gateway.Tests.Fakes;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentOperator.Gateway.Tests.Mcp;

public sealed class McpEndpointTests : IAsyncLifetime
{
    private GatewayUnderTest _gateway = null!;
    private McpClient _client = null!;
    private string _run = "";

    public async Task InitializeAsync()
    {
        _gateway = await GatewayUnderTest.StartAsync();
        _run = await _gateway.StartRunAsync();
        var transport = new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(_gateway.Gateway.AgentAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Agent-Run"] = _run },
        });
        _client = await McpClient.CreateAsync(transport);
    }

    public async Task DisposeAsync()
    {
        await _client.DisposeAsync();
        await _gateway.DisposeAsync();
    }

    [Fact]
    public async Task ToolsList_ShowsOnlyAllowedTools_WithSchemas()
    {
        var tools = await _client.ListToolsAsync();

        Assert.Equal(["notes.add", "orders.lookup", "payments.issue_refund", "records.purge", "tickets.create"], tools.Select(t => t.Name).Order(StringComparer.Ordinal));
        var lookup = tools.Single(t => t.Name == "orders.lookup");
        Assert.Equal("string", lookup.JsonSchema.GetProperty("properties").GetProperty("order_id").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ToolsCall_Allowed_ReachesUpstreamThroughTheSameDecisions()
    {
        var result = await _client.CallToolAsync("orders.lookup", new Dictionary<string, object?> { ["order_id"] = "A-7" });

        Assert.NotEqual(true, result.IsError);
        Assert.Equal(1, _gateway.Upstream.Count("/orders"));
        Assert.Contains("A-7", ((TextContentBlock)result.Content[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ToolsCall_OutsideTheAllowlist_IsRefusedWithTheRule()
    {
        var result = await _client.CallToolAsync("payments.wire_transfer", new Dictionary<string, object?> { ["amount_usd"] = 10 });

        Assert.True(result.IsError);
        using var problem = JsonDocument.Parse(((TextContentBlock)result.Content[0]).Text);
        Assert.Equal("allowlist", problem.RootElement.GetProperty("rule").GetString());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task ToolsCall_InvalidArguments_IsRefusedWithPointers()
    {
        var result = await _client.CallToolAsync("orders.lookup", new Dictionary<string, object?> { ["order_id"] = 5 });

        Assert.True(result.IsError);
        using var problem = JsonDocument.Parse(((TextContentBlock)result.Content[0]).Text);
        Assert.Equal(422, problem.RootElement.GetProperty("status").GetInt32());
        Assert.Empty(_gateway.Upstream.Requests);
    }

    [Fact]
    public async Task ToolsCall_AfterTheRunsBudgetIsSpent_IsRefusedWith402AndTheBudget()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(u => TestBundles.SupportRefund(u, new AgentOperator.Crds.V1Alpha1.Budgets { MaxToolCalls = 1 }));
        var run = await gateway.StartRunAsync();
        await using var client = await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
        {
            Endpoint = new Uri(gateway.Gateway.AgentAddress, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = new Dictionary<string, string> { ["X-Agent-Run"] = run },
        }));
        var arguments = new Dictionary<string, object?> { ["order_id"] = "A-7" };
        Assert.NotEqual(true, (await client.CallToolAsync("orders.lookup", arguments)).IsError);

        var refused = await client.CallToolAsync("orders.lookup", arguments);

        Assert.True(refused.IsError);
        using var problem = JsonDocument.Parse(((TextContentBlock)refused.Content[0]).Text);
        Assert.Equal((402, "budget_exceeded", "maxToolCalls"),
            (problem.RootElement.GetProperty("status").GetInt32(), problem.RootElement.GetProperty("decision").GetString(), problem.RootElement.GetProperty("rule").GetString()));
        Assert.Equal(1, gateway.Upstream.Count("/orders"));
    }
}
