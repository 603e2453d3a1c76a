using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Api;

/// <summary>
/// Decodes the protobuf request bodies kubectl's typed clients send (<c>application/vnd.kubernetes.protobuf</c>:
/// the "k8s\0" magic, then a runtime.Unknown wrapping the object) for the kinds its generators and auth commands
/// create: Namespace, ConfigMap, Secret, ServiceAccount, TokenRequest, SelfSubjectAccessReview, SelfSubjectReview and
/// SelfSubjectRulesReview (<c>kubectl create namespace|configmap|secret|serviceaccount|token</c>, <c>kubectl auth can-i [--list]</c>,
/// <c>kubectl auth whoami</c>).
/// Field numbers are those of k8s.io/api's generated.proto. Responses stay JSON, which those clients accept.
/// </summary>
internal static class ProtobufBodies
{
    private enum Kind
    {
        String,
        Bytes,
        Int,
        Bool,
        Message,
        StringMap,
        BytesMap,
    }

    private sealed record Field(string Name, Kind Kind, bool Repeated = false, string? Message = null);

    private static readonly Dictionary<string, Dictionary<int, Field>> Messages = new()
    {
        ["ObjectMeta"] = new()
        {
            [1] = new("name", Kind.String), [2] = new("generateName", Kind.String), [3] = new("namespace", Kind.String),
            [5] = new("uid", Kind.String), [6] = new("resourceVersion", Kind.String), [7] = new("generation", Kind.Int),
            [11] = new("labels", Kind.StringMap), [12] = new("annotations", Kind.StringMap),
            [13] = new("ownerReferences", Kind.Message, true, "OwnerReference"), [14] = new("finalizers", Kind.String, true),
        },
        ["OwnerReference"] = new()
        {
            [1] = new("kind", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String),
            [5] = new("apiVersion", Kind.String), [6] = new("controller", Kind.Bool), [7] = new("blockOwnerDeletion", Kind.Bool),
        },
        ["Namespace"] = new() { [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("spec", Kind.Message, Message: "NamespaceSpec") },
        ["NamespaceSpec"] = new() { [1] = new("finalizers", Kind.String, true) },
        ["ConfigMap"] = new()
        {
            [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("data", Kind.StringMap),
            [3] = new("binaryData", Kind.BytesMap), [4] = new("immutable", Kind.Bool),
        },
        ["Secret"] = new()
        {
            [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("data", Kind.BytesMap), [3] = new("type", Kind.String),
            [4] = new("stringData", Kind.StringMap), [5] = new("immutable", Kind.Bool),
        },
        ["ServiceAccount"] = new()
        {
            [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [3] = new("automountServiceAccountToken", Kind.Bool),
        },
        ["TokenRequest"] = new() { [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("spec", Kind.Message, Message: "TokenRequestSpec") },
        ["TokenRequestSpec"] = new()
        {
            [1] = new("audiences", Kind.String, true), [3] = new("boundObjectRef", Kind.Message, Message: "BoundObjectReference"),
            [4] = new("expirationSeconds", Kind.Int),
        },
        ["BoundObjectReference"] = new() { [1] = new("kind", Kind.String), [2] = new("apiVersion", Kind.String), [3] = new("name", Kind.String), [4] = new("uid", Kind.String) },
        ["SelfSubjectAccessReview"] = new()
        {
            [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("spec", Kind.Message, Message: "SelfSubjectAccessReviewSpec"),
        },
        ["SelfSubjectAccessReviewSpec"] = new()
        {
            [1] = new("resourceAttributes", Kind.Message, Message: "ResourceAttributes"),
            [2] = new("nonResourceAttributes", Kind.Message, Message: "NonResourceAttributes"),
        },
        ["ResourceAttributes"] = new()
        {
            [1] = new("namespace", Kind.String), [2] = new("verb", Kind.String), [3] = new("group", Kind.String), [4] = new("version", Kind.String),
            [5] = new("resource", Kind.String), [6] = new("subresource", Kind.String), [7] = new("name", Kind.String),
        },
        ["NonResourceAttributes"] = new() { [1] = new("path", Kind.String), [2] = new("verb", Kind.String) },
        ["SelfSubjectReview"] = new() { [1] = new("metadata", Kind.Message, Message: "ObjectMeta") },
        ["SelfSubjectRulesReview"] = new()
        {
            [1] = new("metadata", Kind.Message, Message: "ObjectMeta"), [2] = new("spec", Kind.Message, Message: "SelfSubjectRulesReviewSpec"),
        },
        ["SelfSubjectRulesReviewSpec"] = new() { [1] = new("namespace", Kind.String) },
    };

    /// <summary>The object a protobuf body carries, as JSON; 415 for kinds this server cannot decode.</summary>
    public static JsonObject Decode(ReadOnlySpan<byte> body)
    {
        if (body.Length < 4 || !body[..4].SequenceEqual("k8s\0"u8))
        {
            throw Unsupported("missing protobuf envelope");
        }

        string? apiVersion = null, kind = null;
        ReadOnlySpan<byte> raw = default;
        var reader = new Reader(body[4..].ToArray());
        while (reader.Next(out var number, out var wire))
        {
            switch (number)
            {
                case 1:
                    var typeMeta = new Reader(reader.Bytes());
                    while (typeMeta.Next(out var n, out var w))
                    {
                        if (n == 1) { apiVersion = typeMeta.String(); }
                        else if (n == 2) { kind = typeMeta.String(); }
                        else { typeMeta.Skip(w); }
                    }

                    break;
                case 2:
                    raw = reader.Bytes();
                    break;
                default:
                    reader.Skip(wire);
                    break;
            }
        }

        if (kind is null || !Messages.ContainsKey(kind))
        {
            throw Unsupported($"protobuf bodies of kind {kind} are not supported");
        }

        var obj = Message(raw.ToArray(), kind);
        obj.Insert(0, "apiVersion", apiVersion);
        obj.Insert(1, "kind", kind);
        return obj;
    }

    private static JsonObject Message(byte[] bytes, string type)
    {
        var fields = Messages[type];
        var obj = new JsonObject();
        var reader = new Reader(bytes);
        while (reader.Next(out var number, out var wire))
        {
            if (!fields.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }

            JsonNode? value = field.Kind switch
            {
                Kind.String => reader.String(),
                Kind.Bytes => Convert.ToBase64String(reader.Bytes()),
                Kind.Int => (long)reader.Varint(),
                Kind.Bool => reader.Varint() != 0,
                Kind.Message => Message(reader.Bytes().ToArray(), field.Message!),
                _ => null,
            };
            if (field.Kind is Kind.StringMap or Kind.BytesMap)
            {
                var entry = new Reader(reader.Bytes().ToArray());
                string key = "", val = "";
                while (entry.Next(out var n, out var w))
                {
                    if (n == 1) { key = entry.String(); }
                    else if (n == 2) { val = field.Kind == Kind.StringMap ? entry.String() : Convert.ToBase64String(entry.Bytes()); }
                    else { entry.Skip(w); }
                }

                var map = obj[field.Name] as JsonObject ?? [];
                map[key] = val;
                obj[field.Name] = map;
            }
            else if (field.Repeated)
            {
                var list = obj[field.Name] as JsonArray ?? [];
                list.Add(value);
                obj[field.Name] = list;
            }
            else if (!IsZero(value))
            {
                // Go's protobuf writes zero values; JSON (omitempty) leaves them out, and so does this decoder.
                obj[field.Name] = value;
            }
        }

        return obj;
    }

    private static bool IsZero(JsonNode? value) => value switch
    {
        null => true,
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => !b,
        _ => false,
    };

    private static ApiException Unsupported(string why) =>
        ApiErrors.UnsupportedMediaType($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml ({why})");

    /// <summary>A minimal protobuf wire-format reader.</summary>
    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _pos;

        public bool Next(out int number, out int wire)
        {
            if (_pos >= _data.Length)
            {
                number = wire = 0;
                return false;
            }

            var tag = Varint();
            number = (int)(tag >> 3);
            wire = (int)(tag & 7);
            return true;
        }

        public ulong Varint()
        {
            ulong result = 0;
            for (var shift = 0; shift < 64; shift += 7)
            {
                var b = _data[_pos++];
                result |= (ulong)(b & 0x7f) << shift;
                if (b < 0x80)
                {
                    return result;
                }
            }

            throw Unsupported("malformed varint");
        }

        public ReadOnlySpan<byte> Bytes()
        {
            var length = (int)Varint();
            var slice = _data.Slice(_pos, length);
            _pos += length;
            return slice;
        }

        public string String() => System.Text.Encoding.UTF8.GetString(Bytes());

        public void Skip(int wire)
        {
            switch (wire)
            {
                case 0: Varint(); break;
                case 1: _pos += 8; break;
                case 2: Bytes(); break;
                case 5: _pos += 4; break;
                default: throw Unsupported("unsupported wire type");
            }
        }
    }
}
