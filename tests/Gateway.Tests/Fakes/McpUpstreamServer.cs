using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>
/// A real upstream MCP server (ModelContextProtocol.AspNetCore, streamable HTTP) on 127.0.0.1 with a port
/// picked at run time. It serves one tool, records every <c>tools/call</c> it receives, and answers with a
/// structured result echoing the arguments, or with a tool error while <see cref="FailCalls"/> is set.
/// </summary>
public sealed class McpUpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private McpUpstreamServer(WebApplication app, string toolName)
    {
        _app = app;
        ToolName = toolName;
    }

    /// <summary>The streamable HTTP endpoint.</summary>
    public string Endpoint { get; private set; } = "";

    /// <summary>The tool's name on this server.</summary>
    public string ToolName { get; }

    /// <summary>Every tools/call received, in order.</summary>
    public ConcurrentQueue<CallToolRequestParams> Calls { get; } = new();

    /// <summary>While true, calls answer with <c>isError: true</c>.</summary>
    public bool FailCalls { get; set; }

    public static async Task<McpUpstreamServer> StartAsync(string toolName)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        McpUpstreamServer? server = null;
        builder.Services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "upstream-crm", Version = "1.0.0" })
            .WithHttpTransport(options => options.Stateless = true)
            .WithListToolsHandler((_, _) => ValueTask.FromResult(new ListToolsResult
            {
                Tools = [new Tool { Name = toolName, InputSchema = JsonDocument.Parse("""{"type":"object"}""").RootElement.Clone() }],
            }))
            .WithCallToolHandler((context, _) => ValueTask.FromResult(server!.Answer(context.Params!)));
        var app = builder.Build();
        app.MapMcp("/mcp");
        server = new McpUpstreamServer(app, toolName);
        await app.StartAsync();
        server.Endpoint = app.Urls.First() + "/mcp";
        return server;
    }

    private CallToolResult Answer(CallToolRequestParams call)
    {
        Calls.Enqueue(call);
        if (call.Name != ToolName)
        {
            return new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = $"unknown tool {call.Name}" }] };
        }

        var arguments = JsonSerializer.SerializeToNode(call.Arguments ?? new Dictionary<string, JsonElement>())!;
        var result = new JsonObject { ["noteId"] = $"note-{Calls.Count}", ["received"] = arguments };
        return FailCalls
            ? new CallToolResult { IsError = true, Content = [new TextContentBlock { Text = "the CRM rejected the note" }] }
            : new CallToolResult
            {
                Content = [new TextContentBlock { Text = result.ToJsonString() }],
                StructuredContent = JsonSerializer.SerializeToElement(result),
            };
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
