using AgentOperator.DevCluster.Api;
using Microsoft.AspNetCore.Http.Features;

namespace AgentOperator.DevCluster.Streaming;

/// <summary>
/// The plain SPDY/3.1 upgrade of an HTTP/1.1 request (client-go's SPDY round tripper): the sub-protocol is the first of
/// the client's <c>X-Stream-Protocol-Version</c> values the server speaks (httpstream.Handshake), then 101 with
/// <c>Upgrade: SPDY/3.1</c>; the connection's bytes are then SPDY frames.
/// </summary>
internal static class SpdyUpgrade
{
    private const string ProtocolHeader = "X-Stream-Protocol-Version";

    /// <summary>Whether the request asks for a SPDY upgrade.</summary>
    public static bool IsRequested(HttpContext ctx) =>
        ctx.Request.Headers.Upgrade.ToString().Contains("SPDY/3.1", StringComparison.OrdinalIgnoreCase);

    /// <summary>Upgrades the connection; the returned stream carries the SPDY frames.</summary>
    /// <exception cref="ApiException">400 when the request is no upgrade, 403 when no sub-protocol is shared (as the kubelet answers).</exception>
    public static async Task<(Stream Transport, string Protocol)> AcceptAsync(HttpContext ctx, IReadOnlyList<string> serverProtocols)
    {
        var upgrade = ctx.Features.Get<IHttpUpgradeFeature>();
        if (upgrade is null || !upgrade.IsUpgradableRequest || !IsRequested(ctx))
        {
            throw ApiErrors.BadRequest("Upgrade request required");
        }

        var clientProtocols = ctx.Request.Headers[ProtocolHeader].SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        var protocol = clientProtocols.FirstOrDefault(serverProtocols.Contains);
        if (protocol is null)
        {
            ctx.Response.Headers["X-Accepted-Stream-Protocol-Versions"] = string.Join(", ", serverProtocols);
            throw new ApiException(403, ApiErrors.Status(403, "Forbidden",
                $"unable to upgrade: unable to negotiate protocol: client supports [{string.Join(' ', clientProtocols)}], server accepts [{string.Join(' ', serverProtocols)}]", null));
        }

        ctx.Response.Headers[ProtocolHeader] = protocol;
        ctx.Response.Headers.Upgrade = "SPDY/3.1";
        var transport = await upgrade.UpgradeAsync();
        return (transport, protocol);
    }
}
