using System.Net;

namespace AgentOperator.Gateway.Tests.Adversarial;

/// <summary>A body sent chunked, in pieces with a pause between them (a slow client), or all at once without a length.</summary>
public sealed class SlowContent(byte[] body, TimeSpan pause, int pieces) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        var size = Math.Max(1, (body.Length + pieces - 1) / pieces);
        for (var offset = 0; offset < body.Length; offset += size)
        {
            await stream.WriteAsync(body.AsMemory(offset, Math.Min(size, body.Length - offset)));
            await stream.FlushAsync();
            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause);
            }
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
