using System.Diagnostics;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Patching;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Benchmarks;

/// <summary>Writes through the object-semantics layer directly (no HTTP, no TLS), to separate server cost from transport cost.</summary>
internal static class InProcessWrites
{
    public static double Run(TimeSpan duration, int writers)
    {
        var store = new ObjectStore(10_000);
        var registry = new ResourceRegistry(BuiltInResources.Create());
        var ops = new ResourceOperations(store, registry, TimeProvider.System, new FieldManager(TimeProvider.System), []);
        var namespaces = registry.Find("", "v1", "namespaces")!;
        var configMaps = registry.Find("", "v1", "configmaps")!;
        var options = new WriteOptions("bench");
        ops.Create(namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = "bench" } }, options);
        long total = 0;
        var sw = Stopwatch.StartNew();
        Parallel.For(0, writers, w =>
        {
            var i = 0;
            while (sw.Elapsed < duration)
            {
                var name = $"w{w}-{i++ % 50}";
                var body = new JsonObject { ["metadata"] = new JsonObject { ["name"] = name }, ["data"] = new JsonObject { ["n"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture) } };
                if (i <= 50)
                {
                    ops.Create(configMaps, "bench", body, options);
                }
                else
                {
                    ops.Update(configMaps, "bench", name, body, null, options);
                }

                Interlocked.Increment(ref total);
            }
        });
        return total / sw.Elapsed.TotalSeconds;
    }
}
