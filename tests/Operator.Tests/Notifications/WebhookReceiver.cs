using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Operator.Tests.Notifications;

/// <summary>
/// A webhook receiver on 127.0.0.1 (or the address given) with a port picked at run time: records every POST (path, body, arrival time) and
/// answers from a script (a status code, or a hang longer than the sender waits), then 200 once the script is spent.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly ConcurrentQueue<int> _script = new();

    private WebhookReceiver(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Status code the scripted answer uses to mean "never answer" (the sender's attempt times out).</summary>
    public const int Hang = -1;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

    public static async Task<WebhookReceiver> StartAsync(IPAddress? listenOn = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://{listenOn ?? IPAddress.Loopback}:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/{**path}", receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetService(typeof(IServer)) is IServer server ? server.Features.Get<IServerAddressesFeature>()!.Addresses.First() : throw new InvalidOperationException("no server");
        receiver.BaseUrl = new Uri(address);
        return receiver;
    }

    /// <summary>The next answers, in order (e.g. 500, 500, <see cref="Hang"/>); afterwards 200.</summary>
    public void Script(params int[] answers)
    {
        foreach (var answer in answers)
        {
            _script.Enqueue(answer);
        }
    }

    public IReadOnlyList<ReceivedWebhook> On(string path) => [.. Received.Where(r => r.Path == path)];

    private async Task HandleAsync(HttpContext context)
    {
        var arrived = Stopwatch.GetTimestamp();
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync(context.RequestAborted);
        var answer = _script.TryDequeue(out var scripted) ? scripted : (int)HttpStatusCode.OK;
        _received.Enqueue(new ReceivedWebhook(context.Request.Path.Value ?? "", body, DateTimeOffset.UtcNow, arrived, answer, context.Request.ContentType));
        if (answer == Hang)
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default);
            return;
        }

        context.Response.StatusCode = answer;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>One POST the receiver got.</summary>
internal sealed record ReceivedWebhook(string Path, string Body, DateTimeOffset ArrivedAt, long ArrivedTimestamp, int Answer, string? ContentType)
{
    public JsonObject Json => JsonNode.Parse(Body)!.AsObject();
}
