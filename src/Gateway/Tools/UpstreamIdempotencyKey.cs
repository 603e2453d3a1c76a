using System.Security.Cryptography;
using System.Text;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Gateway.Tools;

/// <summary>
/// The idempotency key the gateway forwards upstream, scoped to one (workflow, run, tool): the agent's key
/// (or the approval id of an approved retry) never reaches an upstream as sent, so the same key from two runs,
/// two tools or two workflows cannot be deduplicated against each other by an upstream that keys on it.
/// <para>
/// <c>ao1-</c> + lowercase hex SHA-256 of the UTF-8 text
/// <c>agentoperator.io/idempotency/v1 LF namespace LF workflow LF runId LF tool LF kind ":" key</c>, where kind
/// is <c>key</c> for an <c>Idempotency-Key</c> and <c>approval</c> for an approval id (68 characters in all).
/// The revision is left out on purpose: a retry after a policy reload must keep the key the upstream saw.
/// </para>
/// </summary>
public static class UpstreamIdempotencyKey
{
    /// <summary>Prefix of every forwarded key; the version changes if the derivation ever does.</summary>
    public const string Prefix = "ao1-";

    /// <summary>The forwarded key for <paramref name="scopedKey"/> (<c>key:…</c> or <c>approval:…</c>).</summary>
    public static string Derive(BundleWorkflow workflow, string runId, string tool, string scopedKey)
    {
        ArgumentNullException.ThrowIfNull(workflow);
        var material = $"agentoperator.io/idempotency/v1\n{workflow.Namespace}\n{workflow.Name}\n{runId}\n{tool}\n{scopedKey}";
        return Prefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(material)));
    }
}
