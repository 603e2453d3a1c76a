using System.Collections.Concurrent;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentOperator.SampleAgent.Tests;

/// <summary>One request the stub gateway received.</summary>
public sealed record GatewayRequest(string Path, JsonNode? Body, IReadOnlyDictionary<string, string> Headers)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;

    public override string ToString() => Path;
}

/// <summary>
/// A loopback server speaking the agent-facing API of docs/design.md ("Agent-facing HTTP API"), recording every request. Tool answers
/// come from <see cref="ToolAnswer"/>; by default tools in <see cref="AllowedTools"/> return 200 unless the
/// input's amount_usd exceeds 50, others 403.
/// </summary>
public sealed class StubGateway : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<GatewayRequest> _requests = new();
    private int _runs;

    private StubGateway(WebApplication app, HttpClient client)
    {
        _app = app;
        Client = client;
    }

    public HttpClient Client { get; }

    public HashSet<string> AllowedTools { get; } = new(StringComparer.Ordinal) { "crm.lookup_order", "payments.issue_refund" };

    public HashSet<string> Roles { get; } = new(StringComparer.Ordinal) { "planner", "executor" };

    public Func<GatewayRequest, (int Status, JsonObject Body)>? ToolAnswer { get; set; }

    public IReadOnlyList<GatewayRequest> Requests => [.. _requests];

    /// <summary>Completions by run id: (outcome, evalPassed).</summary>
    public IReadOnlyDictionary<string, (string Outcome, bool? EvalPassed)> Completions =>
        Requests.Where(r => r.Path.EndsWith("/complete", StringComparison.Ordinal))
            .ToDictionary(r => r.Path.Split('/')[3], r => (r.Body!["outcome"]!.GetValue<string>(), r.Body["evalPassed"]?.GetValue<bool>()));

    /// <summary>The task text of each run id.</summary>
    public IReadOnlyDictionary<string, string> Tasks { get; } = new ConcurrentDictionary<string, string>(StringComparer.Ordinal);

    public static async Task<StubGateway> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        StubGateway? stub = null;
        app.MapPost("/{**path}", (Delegate)((HttpContext context) => stub!.HandleAsync(context)));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        stub = new StubGateway(app, new HttpClient { BaseAddress = new Uri(address + "/") });
        return stub;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var body = await JsonNode.ParseAsync(context.Request.Body);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var request = new GatewayRequest(context.Request.Path.Value!, body, headers);
        _requests.Enqueue(request);
        var segments = request.Path.Trim('/').Split('/');

        if (request.Path == "/v1/runs")
        {
            var runId = $"run-{Interlocked.Increment(ref _runs)}";
            ((ConcurrentDictionary<string, string>)Tasks)[runId] = body!["task"]!.GetValue<string>();
            return Results.Json(new JsonObject { ["runId"] = runId }, statusCode: 201);
        }

        if (request.Path == "/v1/chat/completions")
        {
            return request.Header("X-Agent-Role") is { } role && Roles.Contains(role) && request.Header("X-Agent-Run") is not null
                ? Results.Json(new JsonObject { ["choices"] = new JsonArray(), ["usage"] = new JsonObject { ["total_tokens"] = 10 } })
                : Problem(403, "deny", "model.role");
        }

        if (segments is ["v1", "runs", _, "tools", var tool])
        {
            if (ToolAnswer is { } answer)
            {
                var (status, answerBody) = answer(request);
                return Results.Json(answerBody, statusCode: status);
            }

            if (!AllowedTools.Contains(tool))
            {
                return Problem(403, "deny", "allowlist");
            }

            return body?["amount_usd"]?.GetValue<double>() > 50 ? Problem(403, "deny", "refund-cap") : Results.Json(new JsonObject { ["ok"] = true });
        }

        if (segments is ["v1", "runs", _, "complete"])
        {
            return Results.Json(new JsonObject { ["outcome"] = body!["outcome"]!.DeepClone() });
        }

        return Results.NotFound();
    }

    public static IResult Problem(int status, string decision, string rule) => Results.Json(
        new JsonObject { ["type"] = "about:blank", ["title"] = "refused", ["status"] = status, ["decision"] = decision, ["rule"] = rule, ["reason"] = "refused by the stub" },
        statusCode: status,
        contentType: "application/problem+json");

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
