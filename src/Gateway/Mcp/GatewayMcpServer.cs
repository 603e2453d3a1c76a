using System.Text;
using System.Text.Json;
using AgentOperator.Contracts;
using AgentOperator.Gateway.Bundles;
using AgentOperator.Gateway.Http;
using AgentOperator.Gateway.Tools;
using AgentOperator.Policy.Inputs;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace AgentOperator.Gateway.Mcp;

/// <summary>
/// The MCP endpoint the agent sees (streamable HTTP, stateless): <c>tools/list</c> shows only the tools the
/// bundle in force allows, with their input schemas; <c>tools/call</c> goes through exactly the same
/// <see cref="ToolCallService"/> as the HTTP API. The run is named by the <c>X-Agent-Run</c> header, an
/// approval retry by <c>X-Approval-Id</c>, the idempotency key by <c>Idempotency-Key</c> (or the call's
/// <c>_meta.idempotencyKey</c>).
/// </summary>
public static partial class GatewayMcpServer
{
    /// <summary>Registers the MCP server with the gateway's handlers.</summary>
    public static IServiceCollection AddGatewayMcp(this IServiceCollection services)
    {
        services.AddHttpContextAccessor();
        services.AddMcpServer(options => options.ServerInfo = new Implementation { Name = "agentoperator-gateway", Version = "1.0.0" })
            .WithHttpTransport(options => options.Stateless = true)
            .WithListToolsHandler(ListToolsAsync)
            .WithCallToolHandler(CallToolAsync);
        return services;
    }

    /// <summary>Maps the MCP endpoint; a POST body over <paramref name="maxBodyBytes"/> or not strict JSON is refused before the SDK reads it.</summary>
    public static IEndpointRouteBuilder MapGatewayMcp(this IEndpointRouteBuilder endpoints, string pattern, int maxBodyBytes)
    {
        endpoints.MapMcp(pattern).Add(endpoint =>
        {
            var inner = endpoint.RequestDelegate!;
            endpoint.RequestDelegate = context => GuardAsync(context, inner, maxBodyBytes);
        });
        return endpoints;
    }

    // The SDK would read a repeated member its own way (and a tool's arguments again another way): the body
    // passes the gateway's one parser first, and the SDK reads the same bytes.
    private static async Task GuardAsync(HttpContext context, RequestDelegate inner, int maxBodyBytes)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            await inner(context);
            return;
        }

        var rejected = context.RequestServices.GetRequiredService<RejectedRequest>();
        var body = await BoundedBody.ReadAsync(context.Request, maxBodyBytes, context.RequestAborted);
        var refusal = body is null
            ? (Status: StatusCodes.Status413PayloadTooLarge, Body: rejected.Refuse(context, null, StatusCodes.Status413PayloadTooLarge, "request.size", $"the request body exceeds the limit of {maxBodyBytes} bytes"))
            : !StrictJson.TryParse(body, out _, out var malformed)
                ? (Status: StatusCodes.Status400BadRequest, Body: rejected.Refuse(context, body, StatusCodes.Status400BadRequest, "request.json", $"the request body is not strict JSON: {malformed.Message}",
                    [new InputError(malformed.Pointer, malformed.Message)]))
                : default;
        if (refusal.Body is not null)
        {
            context.Response.StatusCode = refusal.Status;
            context.Response.ContentType = RefusalProblem.ContentType;
            await context.Response.Body.WriteAsync(refusal.Body, context.RequestAborted);
            return;
        }

        context.Request.Body = new MemoryStream(body!, writable: false);
        context.Request.ContentLength = body!.Length;
        await inner(context);
    }

    // One tool that cannot be listed (or that the SDK refuses) is left out and logged; it never breaks the list.
    private static ValueTask<ListToolsResult> ListToolsAsync(RequestContext<ListToolsRequestParams> context, CancellationToken cancellationToken)
    {
        var services = context.Services!;
        var tools = services.GetRequiredService<PolicyHolder>().Current?.Engine.Policy.Tools ?? [];
        var listed = new List<Tool>();
        foreach (var tool in tools.OrderBy(t => t.Definition.Name, StringComparer.Ordinal))
        {
            var definition = tool.Definition;
            string? reason;
            try
            {
                if (McpToolSchema.TryList(definition.InputSchema, out var schema, out reason))
                {
                    listed.Add(new Tool { Name = definition.Name, Description = definition.Description, InputSchema = schema });
                    continue;
                }
            }
            catch (ArgumentException exception)
            {
                reason = exception.Message;
            }

            ToolNotListed(services.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(GatewayMcpServer)), definition.Name, reason);
        }

        return ValueTask.FromResult(new ListToolsResult { Tools = listed });
    }

    private static async ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> context, CancellationToken cancellationToken)
    {
        var services = context.Services!;
        var http = services.GetRequiredService<IHttpContextAccessor>().HttpContext
            ?? throw new McpException("the MCP endpoint is served over HTTP only");
        var parameters = context.Params ?? throw new McpException("tools/call needs params");
        var body = JsonSerializer.SerializeToUtf8Bytes(parameters.Arguments ?? new Dictionary<string, JsonElement>());
        var idempotencyKey = Header(http, "Idempotency-Key")
            ?? (parameters.Meta?["idempotencyKey"] is { } key && key.GetValueKind() == JsonValueKind.String ? key.GetValue<string>() : null);
        var invocation = new ToolCallInvocation(
            Header(http, "X-Agent-Run") ?? "",
            parameters.Name,
            body,
            idempotencyKey,
            Header(http, "X-Approval-Id"),
            Header(http, "X-Tool-Action"))
        {
            IntentHeader = Header(http, ActionPacket.IntentHeader),
            ReasonHeader = Header(http, ActionPacket.ReasonHeader),
        };
        var response = await services.GetRequiredService<ToolCallService>().InvokeAsync(invocation, cancellationToken);
        var text = Encoding.UTF8.GetString(response.Body.Span);
        JsonElement? structured = null;
        try
        {
            using var document = JsonDocument.Parse(response.Body);
            if (document.RootElement.ValueKind == JsonValueKind.Object)
            {
                structured = document.RootElement.Clone();
            }
        }
        catch (JsonException)
        {
        }

        return new CallToolResult
        {
            IsError = response.Status != StatusCodes.Status200OK,
            Content = [new TextContentBlock { Text = text }],
            StructuredContent = structured,
        };
    }

    private static string? Header(HttpContext context, string name) =>
        context.Request.Headers.TryGetValue(name, out var value) && !string.IsNullOrWhiteSpace(value.ToString()) ? value.ToString() : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP tools/list leaves out tool {Tool}: {Reason}")]
    private static partial void ToolNotListed(ILogger logger, string tool, string reason);
}
