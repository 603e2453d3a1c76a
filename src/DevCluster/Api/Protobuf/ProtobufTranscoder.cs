using System.Globalization;
using System.Text.Json.Nodes;
using AgentOperator.DevCluster.Storage;

namespace AgentOperator.DevCluster.Api.Protobuf;

/// <summary>
/// Converts one message between the protobuf wire format and its JSON form, driven by <see cref="ProtoSchemas"/>.
/// Decoding follows Go's JSON output: non-pointer zero scalars are left out (omitempty), pointer fields and
/// messages are kept even when zero or empty, unknown fields are skipped.
/// </summary>
internal static class ProtobufTranscoder
{
    public static JsonObject ToJson(ReadOnlySpan<byte> bytes, string message)
    {
        var obj = new JsonObject();
        Decode(bytes, message, obj);
        return obj;
    }

    public static byte[] FromJson(JsonObject obj, string message)
    {
        var writer = new ProtoWriter();
        Encode(obj, message, writer);
        return writer.ToArray();
    }

    private static void Decode(ReadOnlySpan<byte> bytes, string message, JsonObject obj)
    {
        var fields = ProtoSchemas.Messages[message];
        var reader = new ProtoReader(bytes);
        while (reader.Next(out var number, out var wire))
        {
            if (!fields.TryGetValue(number, out var field))
            {
                reader.Skip(wire);
                continue;
            }

            if (field.Kind == ProtoKind.Inline)
            {
                Decode(reader.Bytes(), field.Message!, obj);
            }
            else if (field.Map)
            {
                var entry = new ProtoReader(reader.Bytes());
                string key = "";
                JsonNode? value = "";
                while (entry.Next(out var n, out var w))
                {
                    if (n == 1 && w == 2) { key = entry.String(); }
                    else if (n == 2) { value = Value(ref entry, w, field); }
                    else { entry.Skip(w); }
                }

                var map = obj[field.Name] as JsonObject ?? [];
                map[key] = value;
                obj[field.Name] = map;
            }
            else if (field.Repeated)
            {
                var list = obj[field.Name] as JsonArray ?? [];
                list.Add(Value(ref reader, wire, field));
                obj[field.Name] = list;
            }
            else
            {
                var value = Value(ref reader, wire, field);
                if (value is not null && (field.Pointer || field.Kind is ProtoKind.Message || !IsZero(value)))
                {
                    obj[field.Name] = value;
                }
                else
                {
                    obj.Remove(field.Name);
                }
            }
        }
    }

    private static JsonNode? Value(ref ProtoReader reader, int wire, ProtoField field)
    {
        if (field.Kind is ProtoKind.Int or ProtoKind.Bool ? wire != 0 : wire != 2)
        {
            throw new FormatException($"field {field.Name} has wire type {wire}");
        }

        return field.Kind switch
        {
            ProtoKind.String => reader.String(),
            ProtoKind.Bytes => Convert.ToBase64String(reader.Bytes()),
            ProtoKind.Int => (long)reader.Varint(),
            ProtoKind.Bool => reader.Varint() != 0,
            ProtoKind.Message => ToJson(reader.Bytes(), field.Message!),
            ProtoKind.Time => Time(reader.Bytes()),
            ProtoKind.IntOrString => IntOrString(reader.Bytes()),
            ProtoKind.Quantity => SingleField(reader.Bytes()) is { } q ? System.Text.Encoding.UTF8.GetString(q) : "",
            ProtoKind.RawJson => SingleField(reader.Bytes()) is { Length: > 0 } raw ? JsonNode.Parse(raw) : null,
            _ => throw new FormatException($"field {field.Name} cannot be decoded"),
        };
    }

    private static byte[]? SingleField(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoReader(bytes);
        byte[]? value = null;
        while (reader.Next(out var n, out var w))
        {
            if (n == 1 && w == 2) { value = reader.Bytes().ToArray(); }
            else { reader.Skip(w); }
        }

        return value;
    }

    private static JsonNode? Time(ReadOnlySpan<byte> bytes)
    {
        // metav1.Time writes an empty message for the zero time, which JSON shows as null.
        if (bytes.IsEmpty)
        {
            return null;
        }

        var reader = new ProtoReader(bytes);
        long seconds = 0;
        while (reader.Next(out var n, out var w))
        {
            if (n == 1 && w == 0) { seconds = (long)reader.Varint(); }
            else { reader.Skip(w); }
        }

        return DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
    }

    private static JsonNode IntOrString(ReadOnlySpan<byte> bytes)
    {
        var reader = new ProtoReader(bytes);
        long type = 0, intVal = 0;
        var strVal = "";
        while (reader.Next(out var n, out var w))
        {
            switch (n)
            {
                case 1 when w == 0: type = (long)reader.Varint(); break;
                case 2 when w == 0: intVal = (int)reader.Varint(); break;
                case 3 when w == 2: strVal = reader.String(); break;
                default: reader.Skip(w); break;
            }
        }

        return type == 1 ? strVal : intVal;
    }

    private static bool IsZero(JsonNode value) => value switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s.Length == 0,
        JsonValue v when v.TryGetValue<long>(out var l) => l == 0,
        JsonValue v when v.TryGetValue<bool>(out var b) => !b,
        _ => false,
    };

    private static void Encode(JsonObject obj, string message, ProtoWriter writer)
    {
        foreach (var field in ProtoSchemas.Messages[message].Values.OrderBy(f => f.Number))
        {
            if (field.Kind == ProtoKind.Inline)
            {
                writer.Bytes(field.Number, FromJson(obj, field.Message!));
                continue;
            }

            switch (obj[field.Name])
            {
                case null:
                    break;
                case JsonObject map when field.Map:
                    foreach (var (key, value) in map)
                    {
                        var entry = new ProtoWriter();
                        entry.String(1, key);
                        if (value is not null)
                        {
                            Write(entry, 2, field, value);
                        }

                        writer.Bytes(field.Number, entry.ToArray());
                    }

                    break;
                case JsonArray list when field.Repeated:
                    foreach (var item in list.OfType<JsonNode>())
                    {
                        Write(writer, field.Number, field, item);
                    }

                    break;
                case var value:
                    Write(writer, field.Number, field, value);
                    break;
            }
        }
    }

    private static void Write(ProtoWriter writer, int number, ProtoField field, JsonNode value)
    {
        switch (field.Kind)
        {
            case ProtoKind.String:
                writer.String(number, value.GetValue<string>());
                break;
            case ProtoKind.Bytes:
                writer.Bytes(number, Convert.FromBase64String(value.GetValue<string>()));
                break;
            case ProtoKind.Int:
                writer.Varint(number, (ulong)value.GetValue<long>());
                break;
            case ProtoKind.Bool:
                writer.Varint(number, value.GetValue<bool>() ? 1UL : 0UL);
                break;
            case ProtoKind.Message:
                writer.Bytes(number, FromJson(value.AsObject(), field.Message!));
                break;
            case ProtoKind.Time:
                var time = new ProtoWriter();
                var at = DateTimeOffset.Parse(value.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
                time.Varint(1, (ulong)at.ToUnixTimeSeconds());
                time.Varint(2, 0);
                writer.Bytes(number, time.ToArray());
                break;
            case ProtoKind.IntOrString:
                var intOrString = new ProtoWriter();
                var isString = value.GetValueKind() == System.Text.Json.JsonValueKind.String;
                intOrString.Varint(1, isString ? 1UL : 0UL);
                intOrString.Varint(2, isString ? 0UL : (ulong)value.GetValue<long>());
                intOrString.String(3, isString ? value.GetValue<string>() : "");
                writer.Bytes(number, intOrString.ToArray());
                break;
            case ProtoKind.Quantity:
                var quantity = new ProtoWriter();
                quantity.String(1, value.GetValue<string>());
                writer.Bytes(number, quantity.ToArray());
                break;
            case ProtoKind.RawJson:
                var raw = new ProtoWriter();
                raw.Bytes(1, value.ToUtf8());
                writer.Bytes(number, raw.ToArray());
                break;
            default:
                throw new InvalidOperationException($"field {field.Name} cannot be encoded");
        }
    }
}
