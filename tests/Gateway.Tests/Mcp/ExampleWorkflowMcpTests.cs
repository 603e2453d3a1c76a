using System.Text.Json;
using AgentOperator.Gateway.Tests.Fakes;
using AgentOperator.Policy.Bundles;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace AgentOperator.Gateway.Tests.Mcp;

/// <summary>
/// Every shipped example workflow, compiled by the operator's compiler, served by a real gateway and driven by the
/// official MCP C# client: tools/list shows every tool with an object schema, tools/call reaches each upstream.
/// </summary>
public sealed class ExampleWorkflowMcpTests
{
    // Tools whose example call waits for a human (support-refund runs under autonomy approve).
    private static readonly HashSet<string> WaitsForApproval = new(StringComparer.Ordinal) { "payments.issue_refund" };

    public static TheoryData<string> Workflows() => ExampleWorkflows.Names();

    [Theory]
    [MemberData(nameof(Workflows))]
    public async Task ToolsList_ShowsEveryExampleTool_WithATopLevelObjectSchema(string workflow)
    {
        await using var fixture = await ExampleGateway.StartAsync(workflow);

        var tools = await fixture.Client.ListToolsAsync();

        Assert.Equal(fixture.Bundle.Tools.Select(t => t.Name).Order(StringComparer.Ordinal), tools.Select(t => t.Name));
        foreach (var tool in tools)
        {
            Assert.Equal("object", tool.JsonSchema.GetProperty("type").GetString());
            Assert.False(string.IsNullOrEmpty(tool.Description), tool.Name);
        }

        if (tools.SingleOrDefault(t => t.Name == "payments.issue_refund") is { } refund)
        {
            // The registry's properties at the top, the workflow's $500 ceiling kept in allOf.
            Assert.True(refund.JsonSchema.GetProperty("properties").TryGetProperty("amount_usd", out _));
            Assert.Equal(500, refund.JsonSchema.GetProperty("allOf")[0].GetProperty("properties").GetProperty("amount_usd").GetProperty("maximum").GetInt32());
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public async Task ToolsCall_EveryExampleTool_ReachesItsUpstream_OrWaitsForApproval(string workflow)
    {
        await using var fixture = await ExampleGateway.StartAsync(workflow);

        foreach (var tool in fixture.Bundle.Tools)
        {
            Assert.True(ExampleWorkflows.SampleInputs.TryGetValue(tool.Name, out var sample), $"add a sample input for the example tool {tool.Name}");
            var arguments = JsonSerializer.Deserialize<Dictionary<string, object?>>(sample);
            var before = fixture.UpstreamCalls(tool);

            var result = await fixture.Client.CallToolAsync(tool.Name, arguments);

            var text = ((TextContentBlock)result.Content[0]).Text;
            using var answer = JsonDocument.Parse(text);
            if (WaitsForApproval.Contains(tool.Name))
            {
                Assert.Equal("pending", answer.RootElement.GetProperty("status").GetString());
                Assert.Equal(before, fixture.UpstreamCalls(tool));
            }
            else
            {
                Assert.True(result.IsError != true, $"{tool.Name}: {text}");
                Assert.Equal(before + 1, fixture.UpstreamCalls(tool));
            }
        }
    }

    [Fact]
    public async Task ToolsList_LeavesOutOnlyATool_WhoseSchemaAcceptsNoObject()
    {
        await using var gateway = await GatewayUnderTest.StartAsync(upstream =>
        {
            var bundle = TestBundles.SupportRefund(upstream);
            return bundle with
            {
                Tools =
                [
                    .. bundle.Tools,
                    bundle.Tools[0] with { Name = "broken.string_input", InputSchema = new() { ["type"] = "string" } },
                    bundle.Tools[0] with { Name = "nullable.input", InputSchema = new() { ["type"] = new System.Text.Json.Nodes.JsonArray("object", "null") } },
                ],
            };
        });
        var run = await gateway.StartRunAsync();
        await using var client = await ExampleGateway.ConnectAsync(gateway, run);

        var tools = await client.ListToolsAsync();

        Assert.DoesNotContain(tools, t => t.Name == "broken.string_input");
        Assert.Equal("object", tools.Single(t => t.Name == "nullable.input").JsonSchema.GetProperty("type").GetString());
        Assert.Equal(6, tools.Count);
    }

    private sealed class ExampleGateway : IAsyncDisposable
    {
        private ExampleGateway(GatewayUnderTest gateway, McpUpstreamServer mcp, PolicyBundle bundle, McpClient client)
        {
            Gateway = gateway;
            Mcp = mcp;
            Bundle = bundle;
            Client = client;
        }

        public GatewayUnderTest Gateway { get; }
        public McpUpstreamServer Mcp { get; }
        public PolicyBundle Bundle { get; }
        public McpClient Client { get; }

        public int UpstreamCalls(BundleTool tool) =>
            tool.Upstream.Mcp is not null ? Mcp.Calls.Count : Gateway.Upstream.Count("/" + tool.Name);

        public static async Task<ExampleGateway> StartAsync(string workflow)
        {
            var mcp = await McpUpstreamServer.StartAsync("search_articles");
            PolicyBundle? bundle = null;
            var gateway = await GatewayUnderTest.StartAsync(upstream => bundle = ExampleWorkflows.Compile(workflow, upstream, mcp.Endpoint));
            var directory = Path.GetDirectoryName(gateway.BundlePath)!;
            ExampleWorkflows.WriteCredentials(bundle!, Path.Combine(directory, "secrets"), Path.Combine(directory, "tokens"));
            var run = await gateway.StartRunAsync();
            return new ExampleGateway(gateway, mcp, bundle!, await ConnectAsync(gateway, run));
        }

        public static async Task<McpClient> ConnectAsync(GatewayUnderTest gateway, string run) =>
            await McpClient.CreateAsync(new HttpClientTransport(new HttpClientTransportOptions
            {
                Endpoint = new Uri(gateway.Gateway.AgentAddress, "/mcp"),
                TransportMode = HttpTransportMode.StreamableHttp,
                AdditionalHeaders = new Dictionary<string, string> { ["X-Agent-Run"] = run },
            }));

        public async ValueTask DisposeAsync()
        {
            await Client.DisposeAsync();
            await Gateway.DisposeAsync();
            await Mcp.DisposeAsync();
        }
    }
}
