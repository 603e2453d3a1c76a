using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>
/// <c>application/vnd.kubernetes.protobuf</c> bodies: the "k8s\0" magic, then a runtime.Unknown {typeMeta
/// {apiVersion, kind} = 1, raw = 2, contentEncoding = 3, contentType = 4} whose raw is the typed message. kubectl's
/// typed clients send these for <c>kubectl create role|rolebinding|deployment|job|namespace|…</c>.
/// </summary>
internal static class ProtobufBodies
{
    public const string MediaType = "application/vnd.kubernetes.protobuf";

    private static ReadOnlySpan<byte> Magic => "k8s\0"u8;

    /// <summary>The object a protobuf body carries, as JSON: 415 for kinds without a field table, 400 for a body that is not protobuf.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || !body[..4].SequenceEqual(Magic))
        {
            throw ApiErrors.BadRequest("the body of the request is not a Kubernetes protobuf object: it does not start with the \"k8s\\x00\" prefix");
        }

        try
        {
            string? apiVersion = null, kind = null;
            ReadOnlySpan<byte> raw = default;
            var reader = new ProtoReader(body[4..]);
            while (reader.Next(out var number, out var wire))
            {
                if (number == 1 && wire == 2)
                {
                    var typeMeta = new ProtoReader(reader.Bytes());
                    while (typeMeta.Next(out var n, out var w))
                    {
                        if (n == 1 && w == 2) { apiVersion = typeMeta.String(); }
                        else if (n == 2 && w == 2) { kind = typeMeta.String(); }
                        else { typeMeta.Skip(w); }
                    }
                }
                else if (number == 2 && wire == 2)
                {
                    raw = reader.Bytes();
                }
                else
                {
                    reader.Skip(wire);
                }
            }

            if (string.IsNullOrEmpty(kind))
            {
                throw ApiErrors.BadRequest("Object 'Kind' is missing in the protobuf body");
            }

            if (!ProtoSchemas.IsKnown(kind))
            {
                throw ApiErrors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (protobuf bodies of kind {kind} are not supported)");
            }

            var obj = ProtobufTranscoder.ToJson(raw, kind);
            obj.Insert(0, "apiVersion", apiVersion);
            obj.Insert(1, "kind", kind);

            // Re-read as JSON so every number and string is the JsonElement-backed node a JSON body yields.
            return JsonNode.Parse(obj.ToJsonString())!.AsObject();
        }
        catch (Exception e) when (e is FormatException or System.Text.Json.JsonException)
        {
            throw ApiErrors.BadRequest($"the body of the request could not be decoded as protobuf: {e.Message}");
        }
    }

    /// <summary>The envelope for an object whose kind has a field table; null for any other.</summary>
    public static byte[]? Encode(JsonObject obj)
    {
        var kind = obj["kind"]?.GetValue<string>();
        if (kind is null || !ProtoSchemas.IsKnown(kind))
        {
            return null;
        }

        var typeMeta = new ProtoWriter();
        typeMeta.String(1, obj["apiVersion"]?.GetValue<string>() ?? "");
        typeMeta.String(2, kind);
        var unknown = new ProtoWriter();
        unknown.Bytes(1, typeMeta.ToArray());
        unknown.Bytes(2, ProtobufTranscoder.FromJson(obj, kind));
        unknown.String(3, "");
        unknown.String(4, "");
        return [.. Magic, .. unknown.ToArray()];
    }

    /// <summary>
    /// True when the client accepts protobuf and nothing this server writes otherwise; clients that list JSON or
    /// <c>*/*</c> too (kubectl does) get JSON, which content negotiation allows.
    /// </summary>
    public static bool OnlyAccepted(string accept)
    {
        var types = accept.Split(',').Select(t => t.Split(';')[0].Trim()).Where(t => t.Length > 0).ToList();
        return types.Contains(MediaType) && !types.Any(t => t is "application/json" or "*/*" or "application/*" or "application/yaml");
    }
}
