using System.Collections.Concurrent;
using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>
/// A stand-in for a tool's upstream (a CRM, a payments API): any <c>POST</c> (on 127.0.0.1 unless started on another address) echoes its input
/// as <c>{"ok": true, "path", "call", "input"}</c> and is recorded. With a failure rate r, call n (1-based)
/// fails with 503 exactly when floor(n·r) &gt; floor((n-1)·r): deterministic, and exactly r of the calls.
/// </summary>
public sealed class FakeToolServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<FakeToolCall> _calls = new();
    private int _count;

    private FakeToolServer(WebApplication app, Uri baseUrl, double failureRate)
    {
        _app = app;
        BaseUrl = baseUrl;
        FailureRate = failureRate;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41235/.</summary>
    public Uri BaseUrl { get; }

    /// <summary>Share of calls answered with 503; may be changed while running.</summary>
    public double FailureRate { get; set; }

    /// <summary>Every call received, in order.</summary>
    public IReadOnlyList<FakeToolCall> Calls => [.. _calls];

    /// <summary>Starts the server on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static Task<FakeToolServer> StartAsync(int port, double failureRate, CancellationToken cancellationToken) =>
        StartAsync(new IPEndPoint(IPAddress.Loopback, port), failureRate, cancellationToken);

    /// <summary>Starts the server on <paramref name="endpoint"/> (port 0: any free port).</summary>
    public static async Task<FakeToolServer> StartAsync(IPEndPoint endpoint, double failureRate, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(failureRate);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(failureRate, 1);
        FakeToolServer? server = null;
        var (app, baseUrl) = await FakeServerHost.StartAsync(endpoint, certificateForHost: null, app =>
            app.MapPost("/{**path}", (Delegate)((HttpContext context) => server!.HandleAsync(context))), cancellationToken);
        server = new FakeToolServer(app, baseUrl, failureRate);
        return server;
    }

    private async Task<IResult> HandleAsync(HttpContext context)
    {
        var n = Interlocked.Increment(ref _count);
        JsonNode? input = null;
        try
        {
            input = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
        }
        catch (JsonException)
        {
            // A body that is not JSON is recorded as null and still answered.
        }

        var rate = FailureRate;
        var failed = Math.Floor(n * rate) > Math.Floor((n - 1) * rate);
        var path = context.Request.Path.Value ?? "/";
        _calls.Enqueue(new FakeToolCall(
            path,
            input,
            context.Request.Headers["Idempotency-Key"].FirstOrDefault(),
            context.Request.Headers.Authorization.FirstOrDefault(),
            failed));

        if (failed)
        {
            return Results.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "fake upstream failure", detail: $"call {n} fails by the configured failure rate");
        }

        return Results.Json(new JsonObject { ["ok"] = true, ["path"] = path, ["call"] = n, ["input"] = input?.DeepClone() });
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
