using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using k8s;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace AgentOperator.Gateway.Tests.Fakes;

/// <summary>
/// A small in-test Kubernetes API over loopback HTTP (until DevCluster has a start-from-code API): namespaced
/// objects with resourceVersion and status-subresource conflicts, ConfigMap watches, TokenReview and
/// SubjectAccessReview answered from tables the test fills in.
/// </summary>
public sealed class FakeKubernetesApi : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, JsonObject> _objects = new();
    private readonly ConcurrentDictionary<string, string> _tokens = new();
    private readonly ConcurrentDictionary<string, bool> _approvers = new();
    private readonly ConcurrentBag<Channel<string>> _configMapWatchers = [];
    private readonly Lock _lock = new();
    private long _resourceVersion = 100;

    private FakeKubernetesApi(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    /// <summary>Status writes answered 409 regardless of resourceVersion (to exercise retries).</summary>
    public int StatusConflictsToInject { get; set; }

    public static async Task<FakeKubernetesApi> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var fake = new FakeKubernetesApi(app);
        fake.Map(app);
        await app.StartAsync();
        fake.Url = app.Urls.First();
        return fake;
    }

    public IKubernetes Client(string token = "gateway-token") => new Kubernetes(new KubernetesClientConfiguration { Host = Url, AccessToken = token });

    public void AddUser(string token, string user, bool mayApprove)
    {
        _tokens[token] = user;
        _approvers[user] = mayApprove;
    }

    public JsonObject? Get(string plural, string @namespace, string name) =>
        _objects.TryGetValue(Key(plural, @namespace, name), out var o) ? (JsonObject)o.DeepClone() : null;

    public IReadOnlyList<JsonObject> List(string plural) =>
        [.. _objects.Where(o => o.Key.StartsWith(plural + "/", StringComparison.Ordinal)).Select(o => (JsonObject)o.Value.DeepClone())];

    /// <summary>Creates or replaces a ConfigMap and tells its watchers.</summary>
    public void PutConfigMap(string @namespace, string name, IReadOnlyDictionary<string, string> data)
    {
        JsonObject stored;
        string type;
        lock (_lock)
        {
            var key = Key("configmaps", @namespace, name);
            type = _objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            stored = new JsonObject
            {
                ["apiVersion"] = "v1",
                ["kind"] = "ConfigMap",
                ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = @namespace, ["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture) },
                ["data"] = new JsonObject(data.Select(d => KeyValuePair.Create(d.Key, (JsonNode?)d.Value))),
            };
            _objects[key] = stored;
        }

        var line = new JsonObject { ["type"] = type, ["object"] = stored.DeepClone() }.ToJsonString();
        foreach (var watcher in _configMapWatchers)
        {
            watcher.Writer.TryWrite(line);
        }
    }

    private static string Key(string plural, string @namespace, string name) => $"{plural}/{@namespace}/{name}";

    private void Map(WebApplication app)
    {
        app.MapPost("/apis/authentication.k8s.io/v1/tokenreviews", async (HttpContext context) =>
        {
            var review = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var token = review["spec"]?["token"]?.GetValue<string>() ?? "";
            review["status"] = _tokens.TryGetValue(token, out var user)
                ? new JsonObject { ["authenticated"] = true, ["user"] = new JsonObject { ["username"] = user, ["uid"] = "uid-" + user, ["groups"] = new JsonArray("system:authenticated") } }
                : new JsonObject { ["authenticated"] = false };
            return Results.Json(review, statusCode: 201);
        });
        app.MapPost("/apis/authorization.k8s.io/v1/subjectaccessreviews", async (HttpContext context) =>
        {
            var review = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var user = review["spec"]?["user"]?.GetValue<string>() ?? "";
            var attributes = review["spec"]?["resourceAttributes"];
            var allowed = _approvers.GetValueOrDefault(user)
                && attributes?["verb"]?.GetValue<string>() == "approve"
                && attributes?["resource"]?.GetValue<string>() == "agentapprovals"
                && attributes?["group"]?.GetValue<string>() == "agentoperator.io";
            review["status"] = new JsonObject { ["allowed"] = allowed };
            return Results.Json(review, statusCode: 201);
        });
        app.MapGet("/api/v1/namespaces/{ns}/configmaps", (HttpContext context, string ns) => WatchConfigMapsAsync(context, ns));
        app.MapGet("/api/v1/namespaces/{ns}/configmaps/{name}", (string ns, string name) =>
            Get("configmaps", ns, name) is { } o ? Results.Json(o) : NotFound(name));
        app.MapPost("/apis/{group}/{version}/namespaces/{ns}/{plural}", async (HttpContext context, string ns, string plural) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            var name = body["metadata"]!["name"]!.GetValue<string>();
            lock (_lock)
            {
                var key = Key(plural, ns, name);
                if (_objects.ContainsKey(key))
                {
                    return Status(409, "AlreadyExists", $"{plural} \"{name}\" already exists");
                }

                body["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
                body["metadata"]!["uid"] = Guid.NewGuid().ToString();
                body["metadata"]!["creationTimestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture);
                _objects[key] = body;
                return Results.Json(body.DeepClone(), statusCode: 201);
            }
        });
        app.MapGet("/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}", (string ns, string plural, string name) =>
            Get(plural, ns, name) is { } o ? Results.Json(o) : NotFound(name));
        app.MapPut("/apis/{group}/{version}/namespaces/{ns}/{plural}/{name}/status", async (HttpContext context, string ns, string plural, string name) =>
        {
            var body = (await JsonNode.ParseAsync(context.Request.Body))!.AsObject();
            lock (_lock)
            {
                if (!_objects.TryGetValue(Key(plural, ns, name), out var stored))
                {
                    return NotFound(name);
                }

                var sent = body["metadata"]?["resourceVersion"]?.GetValue<string>();
                if (StatusConflictsToInject > 0 || (sent is not null && sent != stored["metadata"]!["resourceVersion"]!.GetValue<string>()))
                {
                    StatusConflictsToInject = Math.Max(0, StatusConflictsToInject - 1);
                    return Status(409, "Conflict", $"Operation cannot be fulfilled on {plural} \"{name}\": the object has been modified");
                }

                stored["status"] = body["status"]?.DeepClone();
                stored["metadata"]!["resourceVersion"] = (++_resourceVersion).ToString(System.Globalization.CultureInfo.InvariantCulture);
                return Results.Json(stored.DeepClone());
            }
        });
    }

    private async Task WatchConfigMapsAsync(HttpContext context, string ns)
    {
        var selector = context.Request.Query["fieldSelector"].ToString();
        var name = selector.StartsWith("metadata.name=", StringComparison.Ordinal) ? selector["metadata.name=".Length..] : null;
        if (context.Request.Query["watch"] != "true")
        {
            var items = new JsonArray([.. List("configmaps").Where(o => o["metadata"]!["namespace"]!.GetValue<string>() == ns && (name is null || o["metadata"]!["name"]!.GetValue<string>() == name))]);
            await Results.Json(new JsonObject { ["apiVersion"] = "v1", ["kind"] = "ConfigMapList", ["metadata"] = new JsonObject { ["resourceVersion"] = _resourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture) }, ["items"] = items }).ExecuteAsync(context);
            return;
        }

        var channel = Channel.CreateUnbounded<string>();
        _configMapWatchers.Add(channel);
        context.Response.ContentType = "application/json";
        await context.Response.Body.FlushAsync(context.RequestAborted);
        foreach (var existing in List("configmaps").Where(o => o["metadata"]!["namespace"]!.GetValue<string>() == ns))
        {
            await channel.Writer.WriteAsync(new JsonObject { ["type"] = "ADDED", ["object"] = existing }.ToJsonString());
        }

        try
        {
            await foreach (var line in channel.Reader.ReadAllAsync(context.RequestAborted))
            {
                using var document = JsonDocument.Parse(line);
                var objectName = document.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("name").GetString();
                var objectNamespace = document.RootElement.GetProperty("object").GetProperty("metadata").GetProperty("namespace").GetString();
                if (objectNamespace != ns || (name is not null && objectName != name))
                {
                    continue;
                }

                await context.Response.WriteAsync(line + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static IResult NotFound(string name) => Status(404, "NotFound", $"\"{name}\" not found");

    private static IResult Status(int code, string reason, string message) => Results.Json(new JsonObject
    {
        ["kind"] = "Status",
        ["apiVersion"] = "v1",
        ["status"] = "Failure",
        ["reason"] = reason,
        ["message"] = message,
        ["code"] = code,
    }, statusCode: code);

    public async ValueTask DisposeAsync()
    {
        foreach (var watcher in _configMapWatchers)
        {
            watcher.Writer.TryComplete();
        }

        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
