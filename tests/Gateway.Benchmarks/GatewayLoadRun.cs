using System.Diagnostics;
using System.Net;
using System.Text;
using AgentOperator.Crds.V1Alpha1;
using AgentOperator.Gateway.Hosting;
using AgentOperator.Policy.Bundles;
using Microsoft.Extensions.Logging.Abstractions;

namespace AgentOperator.Gateway.Benchmarks;

/// <summary>
/// Sends the same read tool call (or, with <c>model</c>, the same chat completion) directly to a loopback upstream and through a real gateway (policy
/// decision with JSON Schema and a CEL rule, audit record written, metrics, upstream call), and prints
/// latency percentiles of both and their difference, and the bytes allocated per request in this process
/// (client, upstream and gateway share it, so the difference of the two rows is the gateway's own).
/// </summary>
internal static class GatewayLoadRun
{
    internal const string Input = """{"order_id":"A-12345","amount_usd":20.5,"reason":"Refund for late delivery"}""";
    private const string ChatInput = """{"model":"gpt-4o-2024-08-06","max_tokens":200,"messages":[{"role":"system","content":"You are a support agent."},{"role":"user","content":"Where is order A-12345?"}]}""";

    public static async Task RunAsync(int requests, int concurrency, bool sampleAllocations, bool model, TextWriter output, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("gateway-bench").FullName;
        await using var upstream = await StartUpstreamAsync(cancellationToken);
        var upstreamUrl = upstream.Urls.First();
        var bundlePath = Path.Combine(directory, "bundle.json");
        await File.WriteAllTextAsync(bundlePath, PolicyBundleJson.Serialize(Bundle(upstreamUrl)), cancellationToken);
        await using var gateway = await GatewayHost.StartAsync(new GatewayOptions
        {
            BundlePath = bundlePath,
            AuditPath = Path.Combine(directory, "audit.jsonl"),
            MetricsBindAddress = "127.0.0.1",
        }, loggerFactory: NullLoggerFactory.Instance, cancellationToken: cancellationToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = Math.Max(concurrency, 1) });

        // Both sides build their URIs once, so the harness allocates the same per request on either side.
        using var runs = new RunPool(http, gateway.AgentAddress, "orders.lookup");
        var directUri = new Uri(upstreamUrl + (model ? "/v1/chat/completions" : "/orders"));
        var chatUri = new Uri(gateway.AgentAddress, "/v1/chat/completions");
        // Model calls: one run (the bench budgets bound neither steps nor tokens), its id in X-Agent-Run.
        var chatRun = model ? (await runs.NextAsync(cancellationToken)).Segments[3].TrimEnd('/') : "";
        async Task Direct() => await SendAsync(http, directUri, model ? ChatInput : Input, null, cancellationToken);
        async Task ThroughGateway() => await (model
            ? SendAsync(http, chatUri, ChatInput, chatRun, cancellationToken)
            : SendAsync(http, await runs.NextAsync(cancellationToken), Input, null, cancellationToken));

        await MeasureAsync(Direct, Math.Min(2000, requests), concurrency);
        await MeasureAsync(ThroughGateway, Math.Min(2000, requests), concurrency);
        using var sampler = sampleAllocations ? new AllocationSampler() : null;
        sampler?.Start();
        var direct = await MeasureAsync(Direct, requests, concurrency);
        var directTypes = sampler?.Stop();
        sampler?.Start();
        var through = await MeasureAsync(ThroughGateway, requests, concurrency);
        var throughTypes = sampler?.Stop();

        await output.WriteLineAsync($"{requests} {(model ? "chat completions" : "tool calls")}, concurrency {concurrency}, loopback, {Environment.ProcessorCount} cores");
        await output.WriteLineAsync($"{"",-16}{"p50 µs",10}{"p90 µs",10}{"p99 µs",10}{"p99.9 µs",10}{"req/s",10}{"B/req",10}");
        await Print(output, "direct", direct);
        await Print(output, "via gateway", through);
        await output.WriteLineAsync($"{"overhead",-16}{through.P(50) - direct.P(50),10:F0}{through.P(90) - direct.P(90),10:F0}{through.P(99) - direct.P(99),10:F0}{through.P(99.9) - direct.P(99.9),10:F0}{"",10}{through.BytesPerRequest - direct.BytesPerRequest,10}");
        if (directTypes is not null && throughTypes is not null)
        {
            // Client and upstream share the process: what the direct phase allocated per type is taken off.
            await output.WriteLineAsync("sampled allocations of the gateway (via gateway minus direct), B/req by type:");
            var overhead = throughTypes.Select(p => (Type: p.Key, Bytes: (p.Value - directTypes.GetValueOrDefault(p.Key)) / requests));
            foreach (var (type, bytes) in overhead.Where(t => t.Bytes > 0).OrderByDescending(t => t.Bytes).Take(50))
            {
                await output.WriteLineAsync($"{bytes,10}  {type}");
            }
        }

        Directory.Delete(directory, recursive: true);
    }

    internal static Task Print(TextWriter output, string name, Latencies l) =>
        output.WriteLineAsync($"{name,-16}{l.P(50),10:F0}{l.P(90),10:F0}{l.P(99),10:F0}{l.P(99.9),10:F0}{l.Throughput,10:F0}{l.BytesPerRequest,10}");

    private static async Task SendAsync(HttpClient http, Uri uri, string input, string? run, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(input, Encoding.UTF8, "application/json") };
        if (run is not null)
        {
            request.Headers.Add("X-Agent-Run", run);
            request.Headers.Add("X-Agent-Role", "executor");
        }

        using var response = await http.SendAsync(request, cancellationToken);
        await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"{uri} answered {(int)response.StatusCode}");
        }
    }

    internal static async Task<Latencies> MeasureAsync(Func<Task> send, int requests, int concurrency)
    {
        var samples = new double[requests];
        var next = -1;
        var allocated = GC.GetTotalAllocatedBytes(precise: true);
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < requests)
            {
                var started = Stopwatch.GetTimestamp();
                await send();
                samples[i] = Stopwatch.GetElapsedTime(started).TotalMicroseconds;
            }
        }));
        var throughput = requests / total.Elapsed.TotalSeconds;
        var bytesPerRequest = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / requests;
        Array.Sort(samples);
        return new Latencies(samples, throughput, bytesPerRequest);
    }

    internal static async Task<WebApplication> StartUpstreamAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var answer = Encoding.UTF8.GetBytes("""{"order_id":"A-12345","status":"delivered"}""");
        app.MapPost("/orders", async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(answer, context.RequestAborted);
        });
        var completion = Encoding.UTF8.GetBytes("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1764000000,"model":"gpt-4o-2024-08-06","choices":[{"index":0,"message":{"role":"assistant","content":"Order A-12345 was delivered."},"finish_reason":"stop"}],"usage":{"prompt_tokens":30,"completion_tokens":8,"total_tokens":38}}
            """);
        app.MapPost("/v1/chat/completions", async context =>
        {
            await context.Request.Body.CopyToAsync(Stream.Null, context.RequestAborted);
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(completion, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        return app;
    }

    internal static PolicyBundle Bundle(string upstream) => new()
    {
        Workflow = new BundleWorkflow("bench", "support-refund"),
        Revision = "bench00001",
        Autonomy = Autonomy.Auto,
        Budgets = new Budgets { MaxToolCalls = 10_000 },
        Redact = [RedactionKind.Email, RedactionKind.CardNumber],
        Models = new Dictionary<string, BundleModel>
        {
            ["executor"] = new() { Provider = "openai", Model = "gpt-4o-2024-08-06", MaxTokensPerCall = 4000, Endpoint = upstream + "/v1", InputCostPer1kTokensUsd = 0.0025, OutputCostPer1kTokensUsd = 0.01 },
        },
        Tools =
        [
            new BundleTool
            {
                Name = "orders.lookup",
                RiskTier = 0,
                Actions = [ToolAction.Read],
                Upstream = new ToolUpstream { Url = upstream + "/orders", TimeoutSeconds = 5 },
                InputSchema = System.Text.Json.Nodes.JsonNode.Parse("""
                    {"type":"object","required":["order_id"],"properties":{"order_id":{"type":"string","maxLength":64},"amount_usd":{"type":"number"},"reason":{"type":"string"}}}
                    """)!.AsObject(),
            },
            // A write of risk tier 1 that executes without an approval: its record is durable before its answer.
            new BundleTool
            {
                Name = "tickets.create",
                RiskTier = 1,
                Actions = [ToolAction.Create],
                Upstream = new ToolUpstream { Url = upstream + "/orders", TimeoutSeconds = 5 },
            },
        ],
        Rules =
        [
            new BundleRule { Id = "small-amounts", Tool = "orders.lookup", Condition = "input.amount_usd <= 50.0 && input.reason.startsWith('R')" },
        ],
    };

    internal sealed record Latencies(double[] Sorted, double Throughput, long BytesPerRequest)
    {
        public double P(double percentile) => Sorted[Math.Min(Sorted.Length - 1, (int)Math.Ceiling(percentile / 100 * Sorted.Length) - 1)];
    }

    /// <summary>
    /// The tool-call URI of runs of at most 9,000 calls each, so the run budget (maxToolCalls 10,000) never
    /// ends the load.
    /// </summary>
    internal sealed class RunPool(HttpClient http, Uri gateway, string tool) : IDisposable
    {
        private readonly SemaphoreSlim _gate = new(1, 1);
        private Uri? _toolCall;
        private int _used = 9_001;

        public void Dispose() => _gate.Dispose();

        public ValueTask<Uri> NextAsync(CancellationToken cancellationToken) =>
            Interlocked.Increment(ref _used) <= 9_000 ? ValueTask.FromResult(Volatile.Read(ref _toolCall)!) : new ValueTask<Uri>(StartRunAsync(cancellationToken));

        private async Task<Uri> StartRunAsync(CancellationToken cancellationToken)
        {
            await _gate.WaitAsync(cancellationToken);
            try
            {
                if (Volatile.Read(ref _used) > 9_000)
                {
                    using var response = await http.PostAsync(new Uri(gateway, "/v1/runs"), new StringContent("{}", Encoding.UTF8, "application/json"), cancellationToken);
                    var body = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(cancellationToken);
                    Volatile.Write(ref _toolCall, new Uri(gateway, $"/v1/runs/{body!["runId"]!.GetValue<string>()}/tools/{tool}"));
                    Volatile.Write(ref _used, 1);
                }

                return _toolCall!;
            }
            finally
            {
                _gate.Release();
            }
        }
    }
}
