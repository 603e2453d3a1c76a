using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AgentOperator.Crds.Generation;

/// <summary>
/// Writes a JSON tree as block-style YAML, keys in the tree's order, lines never wrapped. Strings that YAML would read
/// as another type (true, null, 1.5, 2024-01-01, ...) are double-quoted, so the YAML reads back as the same JSON.
/// </summary>
public static partial class YamlWriter
{
    public static string Write(JsonNode document)
    {
        ArgumentNullException.ThrowIfNull(document);
        using var writer = new StringWriter { NewLine = "\n" };
        var emitter = new Emitter(writer, EmitterSettings.Default.WithBestWidth(int.MaxValue).WithNewLine("\n"));
        emitter.Emit(new StreamStart());
        emitter.Emit(new DocumentStart());
        Emit(emitter, document);
        emitter.Emit(new DocumentEnd(isImplicit: true));
        emitter.Emit(new StreamEnd());
        return writer.ToString();
    }

    private static void Emit(IEmitter emitter, JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                emitter.Emit(new MappingStart(null, null, isImplicit: true, o.Count == 0 ? MappingStyle.Flow : MappingStyle.Block));
                foreach (var (key, value) in o)
                {
                    EmitString(emitter, key);
                    Emit(emitter, value);
                }

                emitter.Emit(new MappingEnd());
                break;
            case JsonArray a:
                emitter.Emit(new SequenceStart(null, null, isImplicit: true, a.Count == 0 ? SequenceStyle.Flow : SequenceStyle.Block));
                foreach (var item in a)
                {
                    Emit(emitter, item);
                }

                emitter.Emit(new SequenceEnd());
                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                EmitString(emitter, v.GetValue<string>());
                break;
            case JsonValue v:
                // Numbers and booleans in their JSON spelling, which YAML reads back as the same type.
                emitter.Emit(new Scalar(null, null, v.ToJsonString(), ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
            default:
                emitter.Emit(new Scalar(null, null, "null", ScalarStyle.Plain, isPlainImplicit: true, isQuotedImplicit: false));
                break;
        }
    }

    private static void EmitString(IEmitter emitter, string value)
    {
        var style = AmbiguousScalar().IsMatch(value) ? ScalarStyle.DoubleQuoted : ScalarStyle.Any;
        emitter.Emit(new Scalar(null, null, value, style, isPlainImplicit: true, isQuotedImplicit: true));
    }

    // Empty, YAML 1.1/1.2 booleans and nulls, and anything starting like a number, date or sign.
    [GeneratedRegex(@"^$|^(?i:true|false|yes|no|on|off|y|n|null|~)$|^[-+.]?[0-9]|^[-+]?\.(?i:inf|nan)$")]
    private static partial Regex AmbiguousScalar();
}
