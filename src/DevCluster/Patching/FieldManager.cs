using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Api;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Patching;

/// <summary>
/// Field ownership (metadata.managedFields) as server-side apply defines it: an update moves the fields it
/// changes to its manager; an apply owns exactly the fields of its configuration, conflicts with other
/// managers that own a field with a different value (unless forced), and removes fields it stopped applying
/// that nobody else owns.
/// </summary>
internal sealed class FieldManager(TimeProvider time)
{
    private const string Apply = "Apply";
    private const string Update = "Update";

    /// <summary>Attributes the fields an update/create changed to <paramref name="manager"/>, writing managedFields into <paramref name="after"/>.</summary>
    public void RecordUpdate(ResourceType type, JsonObject? before, JsonObject after, string manager, string? subresource)
    {
        var entries = Parse(before?.At("metadata", "managedFields"));
        var beforeSet = before is null ? new FieldSet([]) : FieldSet.FromObject(before);
        var afterSet = FieldSet.FromObject(after);
        var changed = afterSet.Paths.Where(p =>
        {
            var now = FieldSet.Resolve(after, p, out _);
            var was = before is null ? null : FieldSet.Resolve(before, p, out var existed);
            return before is null || !beforeSet.Contains(p) || !FieldSet.ValueEquals(was, now);
        }).ToList();
        var removed = beforeSet.Paths.Where(p => !afterSet.Contains(p)).ToList();
        if (changed.Count == 0 && removed.Count == 0 && before is not null)
        {
            Write(after, entries);
            return;
        }

        foreach (var entry in entries)
        {
            foreach (var p in removed)
            {
                entry.Fields.Remove(p);
            }

            if (entry.Manager != manager || entry.Operation != Update || entry.Subresource != subresource)
            {
                foreach (var p in changed)
                {
                    entry.Fields.Remove(p);
                }
            }
        }

        var own = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == Update && e.Subresource == subresource);
        if (own is null && changed.Count > 0)
        {
            own = new Entry(manager, Update, type.ApiVersion, subresource, new FieldSet([]));
            entries.Add(own);
        }

        if (own is not null)
        {
            foreach (var p in changed)
            {
                own.Fields.Add(p);
            }

            own.Time = Now();
        }

        Write(after, entries);
    }

    /// <summary>Server-side apply of <paramref name="config"/> onto <paramref name="live"/> (null to create); returns the merged object.</summary>
    public JsonObject ApplyConfiguration(ResourceType type, JsonObject? live, JsonObject config, string manager, bool force)
    {
        var configSet = FieldSet.FromObject(config);
        var entries = Parse(live?.At("metadata", "managedFields"));
        var conflicts = new List<(string Manager, string ApiVersion, string Field)>();
        var conflictingPaths = new HashSet<string>();
        foreach (var entry in entries.Where(e => !(e.Manager == manager && e.Operation == Apply)))
        {
            foreach (var p in configSet.Paths.Where(entry.Fields.Contains))
            {
                var liveValue = FieldSet.Resolve(live, p, out _);
                var configValue = FieldSet.Resolve(config, p, out _);
                if (!FieldSet.ValueEquals(liveValue, configValue) && !(liveValue is JsonObject or JsonArray))
                {
                    conflicts.Add((entry.Manager, entry.ApiVersion, FieldSet.Display(p)));
                    conflictingPaths.Add(p);
                }
            }
        }

        if (conflicts.Count > 0 && !force)
        {
            throw ApiErrors.ApplyConflict(conflicts);
        }

        foreach (var entry in entries.Where(e => !(e.Manager == manager && e.Operation == Apply)))
        {
            foreach (var p in conflictingPaths)
            {
                entry.Fields.Remove(p);
            }
        }

        var merged = live?.CloneObject() ?? [];
        var configBody = config.CloneObject();
        if (configBody["metadata"] is JsonObject cm)
        {
            cm.Remove("managedFields");
        }

        merged = StrategicMergePatch.Apply(merged, configBody);
        var own = entries.FirstOrDefault(e => e.Manager == manager && e.Operation == Apply);
        if (own is not null && live is not null)
        {
            // Fields this manager applied before but no longer does are removed, unless someone else owns them.
            foreach (var p in own.Fields.Paths.Where(p => !configSet.Contains(p)).OrderByDescending(p => p.Length))
            {
                if (!entries.Any(e => e != own && e.Fields.Contains(p)))
                {
                    FieldSet.RemoveFrom(merged, p);
                }
            }
        }

        entries.Remove(own!);
        entries.Insert(0, new Entry(manager, Apply, type.ApiVersion, null, configSet) { Time = Now() });
        Write(merged, entries);
        return merged;
    }

    private string Now() => time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static List<Entry> Parse(JsonNode? managedFields)
    {
        var entries = new List<Entry>();
        if (managedFields is not JsonArray a)
        {
            return entries;
        }

        foreach (var item in a.OfType<JsonObject>())
        {
            entries.Add(new Entry(item.Str("manager") ?? "", item.Str("operation") ?? Update, item.Str("apiVersion") ?? "", item.Str("subresource"), FieldSet.FromFieldsV1(item["fieldsV1"]))
            {
                Time = item.Str("time"),
            });
        }

        return entries;
    }

    private static void Write(JsonObject obj, List<Entry> entries)
    {
        var live = entries.Where(e => !e.Fields.IsEmpty).ToList();
        if (live.Count == 0)
        {
            obj.Metadata().Remove("managedFields");
            return;
        }

        obj.Metadata()["managedFields"] = new JsonArray(live.Select(e =>
        {
            var o = new JsonObject
            {
                ["manager"] = e.Manager,
                ["operation"] = e.Operation,
                ["apiVersion"] = e.ApiVersion,
                ["time"] = e.Time,
                ["fieldsType"] = "FieldsV1",
                ["fieldsV1"] = e.Fields.ToFieldsV1(),
            };
            if (e.Subresource is not null)
            {
                o["subresource"] = e.Subresource;
            }

            return (JsonNode)o;
        }).ToArray());
    }

    private sealed class Entry(string manager, string operation, string apiVersion, string? subresource, FieldSet fields)
    {
        public string Manager { get; } = manager;

        public string Operation { get; } = operation;

        public string ApiVersion { get; } = apiVersion;

        public string? Subresource { get; } = subresource;

        public FieldSet Fields { get; } = fields;

        public string? Time { get; set; }
    }
}
