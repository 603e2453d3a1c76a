using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using AgentOperator.DevCluster;

// A scale harness (not part of the test run): sustained writes/s through the HTTP API, and watch fan-out
// (events/s delivered to 100 concurrent watchers, and whether every watcher got every event).
//   dotnet run -c Release --project tests/DevCluster.Benchmarks -- [seconds] [writers] [watchers]
var seconds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10;
var writers = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 32;
var watcherCount = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 100;
var tls = !args.Contains("--http");

Console.WriteLine($"in-process writes (object semantics + store, no HTTP): {AgentOperator.DevCluster.Benchmarks.InProcessWrites.Run(TimeSpan.FromSeconds(3), Environment.ProcessorCount),10:N0} writes/s");

await using var cluster = await DevClusterServer.StartAsync(new DevClusterOptions { SimulateWorkloads = false, UseTls = tls });
using var http = CreateClient(cluster);
await Post(http, "api/v1/namespaces", """{"metadata":{"name":"bench"}}""");
await Post(http, "api/v1/namespaces", """{"metadata":{"name":"fanout"}}""");

Console.WriteLine($"DevCluster benchmark: {Environment.ProcessorCount} cores, {writers} concurrent writers, {seconds}s per phase, {(tls ? "HTTPS" : "HTTP")}");
var writes = await WriteFor(http, "bench", writers, TimeSpan.FromSeconds(seconds));
Console.WriteLine($"writes (create+update ConfigMaps over the API): {writes / (double)seconds,10:N0} writes/s");

// Fan-out: 100 watchers on one namespace while writers run.
var start = await http.GetStringAsync("api/v1/namespaces/fanout/configmaps");
var rv = System.Text.Json.Nodes.JsonNode.Parse(start)!["metadata"]!["resourceVersion"]!.ToString();
using var stop = new CancellationTokenSource();
var counts = new long[watcherCount];
var watchers = Enumerable.Range(0, watcherCount).Select(i => Task.Run(async () =>
{
    using var client = CreateClient(cluster);
    using var response = await client.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"api/v1/namespaces/fanout/configmaps?watch=1&resourceVersion={rv}"), HttpCompletionOption.ResponseHeadersRead);
    using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
    try
    {
        while (await reader.ReadLineAsync(stop.Token) is not null)
        {
            Interlocked.Increment(ref counts[i]);
        }
    }
    catch (OperationCanceledException)
    {
    }
})).ToList();
while (cluster.OpenWatchCount < watcherCount)
{
    await Task.Delay(50);
}

var sw = Stopwatch.StartNew();
var fanoutWrites = await WriteFor(http, "fanout", writers, TimeSpan.FromSeconds(seconds));
var writeTime = sw.Elapsed;
var deadline = DateTime.UtcNow.AddSeconds(30);
while (counts.Any(c => Interlocked.Read(ref c) < fanoutWrites) && DateTime.UtcNow < deadline)
{
    await Task.Delay(20);
}

var drainTime = sw.Elapsed;
await stop.CancelAsync();
await Task.WhenAll(watchers);
var delivered = counts.Sum();
var behind = counts.Count(c => c < fanoutWrites);
Console.WriteLine($"fan-out writes while {watcherCount} watchers listen: {fanoutWrites / writeTime.TotalSeconds,10:N0} writes/s");
Console.WriteLine($"events delivered to {watcherCount} watchers:       {delivered / drainTime.TotalSeconds,10:N0} events/s ({delivered:N0} events, all delivered {(drainTime - writeTime).TotalMilliseconds:N0} ms after the last write)");
Console.WriteLine($"watchers that fell behind (missed events):   {behind} of {watcherCount} (min {counts.Min():N0}, max {counts.Max():N0}, expected {fanoutWrites:N0})");
return behind == 0 ? 0 : 1;

static async Task<long> WriteFor(HttpClient http, string ns, int writers, TimeSpan duration)
{
    long total = 0;
    using var cts = new CancellationTokenSource(duration);
    await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
    {
        var i = 0;
        while (!cts.IsCancellationRequested)
        {
            var name = $"w{w}-{i++ % 50}";
            var body = "{\"metadata\":{\"name\":\"" + name + "\"},\"data\":{\"n\":\"" + i.ToString(CultureInfo.InvariantCulture) + "\"}}";
            var response = i <= 50
                ? await http.PostAsync($"api/v1/namespaces/{ns}/configmaps", new StringContent(body, Encoding.UTF8, "application/json"))
                : await http.PutAsync($"api/v1/namespaces/{ns}/configmaps/{name}", new StringContent(body, Encoding.UTF8, "application/json"));
            response.EnsureSuccessStatusCode();
            response.Dispose();
            Interlocked.Increment(ref total);
        }
    })));
    return total;
}

static async Task Post(HttpClient http, string url, string body) =>
    (await http.PostAsync(url, new StringContent(body, Encoding.UTF8, "application/json"))).EnsureSuccessStatusCode();

static HttpClient CreateClient(DevClusterServer cluster)
{
    var ca = X509CertificateLoader.LoadCertificate(Encoding.ASCII.GetBytes(cluster.CertificateAuthorityPem));
    var handler = new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 64,
        SslOptions = { RemoteCertificateValidationCallback = (_, cert, _, _) => cert is not null && cert.GetRawCertData().AsSpan().SequenceEqual(ca.RawData) },
    };
    var http = new HttpClient(handler) { BaseAddress = cluster.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.AdminToken);
    return http;
}
