using System.Text;
using System.Threading.Channels;
using AgentOperator.AuditCollector.Identity;

namespace AgentOperator.AuditCollector.Store;

/// <summary>
/// Forwards every stored record, checkpoint and expiry as one JSON line to a stream (standard output in a pod), where
/// the cluster's log agent picks it up: <c>{"chain":...,"namespace":...,"workflow":...,"revision":...,"record":{...}}</c>.
/// A single writer drains a queue, so a slow reader of the stream never delays an acknowledgement.
/// </summary>
public sealed class RecordForwarder : IAsyncDisposable
{
    private readonly Channel<string> _lines = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Stream _output;
    private readonly Task _writer;

    public RecordForwarder(Stream output)
    {
        _output = output;
        _writer = Task.Run(WriteLoopAsync);
    }

    /// <summary>Queues <paramref name="json"/> (a JSON object) under <paramref name="member"/> with the chain's identity.</summary>
    public void Forward(GatewayIdentity identity, string member, string json)
    {
        var line = new StringBuilder(json.Length + 160)
            .Append("{\"chain\":").Append(System.Text.Json.JsonSerializer.Serialize(identity.Chain))
            .Append(",\"namespace\":").Append(System.Text.Json.JsonSerializer.Serialize(identity.Namespace))
            .Append(",\"workflow\":").Append(System.Text.Json.JsonSerializer.Serialize(identity.Workflow))
            .Append(",\"revision\":").Append(System.Text.Json.JsonSerializer.Serialize(identity.Revision))
            .Append(",\"").Append(member).Append("\":").Append(json).Append("}\n");
        _lines.Writer.TryWrite(line.ToString());
    }

    private async Task WriteLoopAsync()
    {
        var reader = _lines.Reader;
        while (await reader.WaitToReadAsync())
        {
            while (reader.TryRead(out var line))
            {
                var bytes = Encoding.UTF8.GetBytes(line);
                await _output.WriteAsync(bytes);
            }

            await _output.FlushAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _lines.Writer.TryComplete();
        await _writer;
    }
}
