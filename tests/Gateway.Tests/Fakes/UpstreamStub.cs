using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>
/// A real loopback HTTP upstream that counts and records every request it receives, answering per path
/// with a scripted status, delay and body (by default 200 echoing the input).
/// </summary>
public sealed class UpstreamStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<int, UpstreamReply>> _scripts = new();

    private UpstreamStub(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public ConcurrentQueue<RecordedRequest> Requests { get; } = new();

    public int Count(string path) => Requests.Count(r => r.Path == path);

    /// <summary>Sets how <paramref name="path"/> answers its n-th request (1-based).</summary>
    public void Script(string path, Func<int, UpstreamReply> reply) => _scripts[path] = reply;

    public static async Task<UpstreamStub> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var stub = new UpstreamStub(app);
        app.Run(stub.HandleAsync);
        await app.StartAsync();
        stub.Url = app.Urls.First();
        return stub;
    }

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var path = context.Request.Path.Value ?? "/";
        Requests.Enqueue(new RecordedRequest(path, body, headers));
        var n = Requests.Count(r => r.Path == path);
        var reply = _scripts.TryGetValue(path, out var script) ? script(n) : new UpstreamReply(200, null);
        if (reply.Delay > TimeSpan.Zero)
        {
            await Task.Delay(reply.Delay, context.RequestAborted);
        }

        context.Response.StatusCode = reply.Status;
        context.Response.ContentType = "application/json";
        var answer = reply.Body ?? new JsonObject { ["ok"] = true, ["echo"] = string.IsNullOrEmpty(body) ? null : JsonNode.Parse(body), ["n"] = n };
        await context.Response.WriteAsync(answer.ToJsonString(), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record UpstreamReply(int Status, JsonNode? Body, TimeSpan Delay = default);

public sealed record RecordedRequest(string Path, string Body, IReadOnlyDictionary<string, string> Headers);
