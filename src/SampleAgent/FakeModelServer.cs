using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace AgentOperator.SampleAgent;

/// <summary>
/// A stand-in for an LLM provider (a test double for the outside world, not for our components): an
/// OpenAI-compatible <c>POST /v1/chat/completions</c> (also <c>/chat/completions</c>) (on 127.0.0.1 unless started on another address) that
/// answers deterministically with <c>usage</c>: prompt tokens = characters of the messages / 4 (at least 1),
/// completion tokens = the request's max_tokens or max_completion_tokens (or <see cref="DefaultCompletionTokens"/>).
/// With <c>stream: true</c> it answers as OpenAI streams: Server-Sent Events, one chunk per word of the same
/// answer, a last chunk with the finish reason, a usage chunk when <c>stream_options.include_usage</c> is set,
/// and <c>data: [DONE]</c>.
/// </summary>
public sealed class FakeModelServer : IAsyncDisposable
{
    /// <summary>Completion tokens when the request sets no max_tokens.</summary>
    public const int DefaultCompletionTokens = 32;

    private readonly WebApplication _app;
    private int _calls;

    private FakeModelServer(WebApplication app, Uri baseUrl)
    {
        _app = app;
        BaseUrl = baseUrl;
    }

    /// <summary>The base URL, e.g. http://127.0.0.1:41234/ (a role's endpoint is this plus <c>v1</c>).</summary>
    public Uri BaseUrl { get; }

    /// <summary>Completions answered so far.</summary>
    public int Calls => Volatile.Read(ref _calls);

    /// <summary>Starts the server on 127.0.0.1:<paramref name="port"/> (0: any free port).</summary>
    public static Task<FakeModelServer> StartAsync(int port, CancellationToken cancellationToken) =>
        StartAsync(new IPEndPoint(IPAddress.Loopback, port), certificateForHost: null, cancellationToken);

    /// <summary>
    /// Starts the server on <paramref name="endpoint"/>, over HTTPS when <paramref name="certificateForHost"/> is given: it
    /// picks the serving certificate for the host name the client asks for, so one server answers as every provider.
    /// </summary>
    public static async Task<FakeModelServer> StartAsync(IPEndPoint endpoint, Func<string?, X509Certificate2?>? certificateForHost, CancellationToken cancellationToken)
    {
        FakeModelServer? server = null;
        var (app, baseUrl) = await FakeServerHost.StartAsync(endpoint, certificateForHost, app =>
        {
            app.MapPost("/v1/chat/completions", (JsonObject request, HttpResponse response) => server!.CompleteAsync(request, response));
            app.MapPost("/chat/completions", (JsonObject request, HttpResponse response) => server!.CompleteAsync(request, response));
        }, cancellationToken);
        server = new FakeModelServer(app, baseUrl);
        return server;
    }

    /// <summary>The deterministic answer to <paramref name="request"/>.</summary>
    public static JsonObject Answer(JsonObject request, int sequence)
    {
        var model = request["model"]?.GetValue<string>() ?? "fake-model";
        var messages = request["messages"] as JsonArray ?? [];
        var text = string.Concat(messages.Select(m => m?["content"]?.GetValue<string>() ?? ""));
        var promptTokens = Math.Max(1, text.Length / 4);
        var completionTokens = (request["max_tokens"] ?? request["max_completion_tokens"])?.GetValue<int>() ?? DefaultCompletionTokens;
        var digest = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(model + "\n" + text)))[..12];
        return new JsonObject
        {
            ["id"] = $"chatcmpl-fake-{digest}-{sequence}",
            ["object"] = "chat.completion",
            ["created"] = 1_764_000_000,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject
            {
                ["index"] = 0,
                ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = $"[{model}] plan {digest}: look up the order, then act within policy." },
                ["finish_reason"] = "stop",
            }),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = promptTokens,
                ["completion_tokens"] = completionTokens,
                ["total_tokens"] = promptTokens + completionTokens,
            },
        };
    }

    /// <summary>The Server-Sent Events data of the streamed answer to <paramref name="request"/>: the same text and usage as <see cref="Answer"/>.</summary>
    public static IEnumerable<string> StreamedAnswer(JsonObject request, int sequence)
    {
        var answer = Answer(request, sequence);
        var choice = answer["choices"]![0]!;
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = answer["id"]!.GetValue<string>(),
            ["object"] = "chat.completion.chunk",
            ["created"] = answer["created"]!.GetValue<int>(),
            ["model"] = answer["model"]!.GetValue<string>(),
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };

        yield return Chunk(new JsonObject { ["role"] = "assistant", ["content"] = "" }, null).ToJsonString();
        foreach (var word in choice["message"]!["content"]!.GetValue<string>().Split(' ').Select((w, i) => i == 0 ? w : " " + w))
        {
            yield return Chunk(new JsonObject { ["content"] = word }, null).ToJsonString();
        }

        yield return Chunk([], "stop").ToJsonString();
        if (request["stream_options"]?["include_usage"]?.GetValue<bool>() == true)
        {
            var usage = Chunk([], null);
            usage["choices"] = new JsonArray();
            usage["usage"] = answer["usage"]!.DeepClone();
            yield return usage.ToJsonString();
        }

        yield return "[DONE]";
    }

    private async Task CompleteAsync(JsonObject request, HttpResponse response)
    {
        var sequence = Interlocked.Increment(ref _calls);
        if (request["stream"]?.GetValue<bool>() != true)
        {
            await response.WriteAsJsonAsync(Answer(request, sequence), response.HttpContext.RequestAborted);
            return;
        }

        response.ContentType = "text/event-stream";
        foreach (var data in StreamedAnswer(request, sequence))
        {
            await response.WriteAsync($"data: {data}\n\n", response.HttpContext.RequestAborted);
            await response.Body.FlushAsync(response.HttpContext.RequestAborted);
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
