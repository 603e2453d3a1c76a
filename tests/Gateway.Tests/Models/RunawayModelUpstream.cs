using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Gateway.Tests.Models;

/// <summary>
/// An OpenAI-compatible provider that ignores the cap it is sent: <c>POST /v1/chat/completions</c> streams
/// <c>chunks</c> one-word chunks (20 ms apart) and then, if asked, a usage chunk; it records the requests it got
/// and whether the client closed the stream before the end (the gateway cutting it). With
/// <c>holdOpenAfterDone</c> it keeps the connection open that long after <c>[DONE]</c>, as a slow proxy may.
/// </summary>
public sealed class RunawayModelUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _aborted;

    private RunawayModelUpstream(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public List<JsonObject> Requests { get; } = [];

    public bool ClosedEarly => Volatile.Read(ref _aborted) == 1;

    public static async Task<RunawayModelUpstream> StartAsync(int chunks, TimeSpan holdOpenAfterDone = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var upstream = new RunawayModelUpstream(app);
        app.MapPost("/v1/chat/completions", async (HttpContext context) =>
        {
            var request = (await context.Request.ReadFromJsonAsync<JsonObject>())!;
            lock (upstream.Requests)
            {
                upstream.Requests.Add(request);
            }

            context.Response.ContentType = "text/event-stream";
            try
            {
                for (var i = 0; i < chunks; i++)
                {
                    var delta = i == 0 ? new JsonObject { ["role"] = "assistant", ["content"] = "word" } : new JsonObject { ["content"] = " word" };
                    await WriteAsync(context, new JsonObject { ["id"] = "chatcmpl-runaway", ["object"] = "chat.completion.chunk", ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta }) }.ToJsonString());
                    await Task.Delay(20, context.RequestAborted);
                }

                if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
                {
                    await WriteAsync(context, new JsonObject { ["id"] = "chatcmpl-runaway", ["choices"] = new JsonArray(), ["usage"] = new JsonObject { ["prompt_tokens"] = 10, ["completion_tokens"] = chunks, ["total_tokens"] = 10 + chunks } }.ToJsonString());
                }

                await WriteAsync(context, "[DONE]");
                await Task.Delay(holdOpenAfterDone, context.RequestAborted);
            }
            catch (Exception exception) when (exception is OperationCanceledException or IOException)
            {
                Interlocked.Exchange(ref upstream._aborted, 1);
            }
        });
        await app.StartAsync();
        upstream.Url = app.Urls.First();
        return upstream;
    }

    private static async Task WriteAsync(HttpContext context, string data)
    {
        await context.Response.WriteAsync($"data: {data}\n\n", context.RequestAborted);
        await context.Response.Body.FlushAsync(context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
