using System.Text.Json;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// Drops the top-level <c>apiVersion</c> and <c>kind</c> of a stored object's JSON without re-serializing it: a typed
/// list kube-apiserver serves (PodList, DeploymentList, …) carries no TypeMeta on its items.
/// </summary>
internal static class TypeMetaStripper
{
    public static void WriteWithoutTypeMeta(Stream output, ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        reader.Read(); // StartObject
        output.WriteByte((byte)'{');
        var first = true;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var start = (int)reader.TokenStartIndex;
            var skip = reader.ValueTextEquals("apiVersion"u8) || reader.ValueTextEquals("kind"u8);
            reader.Read();
            reader.Skip();
            var end = (int)reader.BytesConsumed;
            if (skip)
            {
                continue;
            }

            if (!first)
            {
                output.WriteByte((byte)',');
            }

            output.Write(json[start..end]);
            first = false;
        }

        output.WriteByte((byte)'}');
    }
}
