using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using AgentOperator.Gateway.Audit;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Compilation;
using AgentOperator.Policy.Decisions;
using AgentOperator.Policy.RateLimits;

namespace AgentOperator.Gateway.Bundles;

/// <summary>
/// Holds the bundle being enforced and swaps it atomically: a call reads <see cref="Current"/> once and
/// decides entirely under that snapshot, and the next call sees the new bundle — so a kill switch takes
/// effect on the next call. A document that does not parse or compile is refused (logged and audited) and
/// the current bundle stays.
/// </summary>
public sealed partial class PolicyHolder(AuditLog audit, TimeProvider timeProvider, ILogger<PolicyHolder> logger) : IBundleSink
{
    private readonly ToolRateLimiter _rateLimiter = new(timeProvider);

    private ActivePolicy? _current;

    /// <summary>The bundle in force, or null before the first successful load.</summary>
    public ActivePolicy? Current => Volatile.Read(ref _current);

    /// <summary>Raised after a new bundle was swapped in.</summary>
    public event Action<ActivePolicy>? Swapped;

    /// <inheritdoc />
    public bool Load(string bundleJson, string source)
    {
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(bundleJson)));
        CompiledPolicy compiled;
        try
        {
            var bundle = PolicyBundleJson.Deserialize(bundleJson);
            if (!CompiledPolicy.TryCompile(bundle, out var built, out var errors))
            {
                Refuse(source, sha, string.Join("; ", errors));
                return false;
            }

            compiled = built;
        }
        catch (JsonException exception)
        {
            Refuse(source, sha, exception.Message);
            return false;
        }

        var active = new ActivePolicy(new PolicyEngine(compiled, _rateLimiter), sha, source);
        Volatile.Write(ref _current, active);
        LogLoaded(logger, compiled.Bundle.Workflow, compiled.Bundle.Revision, source, compiled.Bundle.KillSwitch);
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.BundleLoaded,
            Workflow = compiled.Bundle.Workflow.Name,
            Revision = compiled.Bundle.Revision,
            BundleSha256 = sha,
            Decision = "loaded",
            Reason = $"bundle from {source}" + (compiled.Bundle.KillSwitch ? " (kill switch on)" : ""),
        });
        Swapped?.Invoke(active);
        return true;
    }

    private void Refuse(string source, string sha, string problem)
    {
        LogRefused(logger, source, problem);
        audit.Append(new AuditRecord
        {
            Time = timeProvider.GetUtcNow(),
            Kind = AuditKinds.BundleLoaded,
            BundleSha256 = sha,
            Decision = "refused",
            Reason = $"bundle from {source} refused: {problem}",
        });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Enforcing bundle of {Workflow} revision {Revision} from {Source} (kill switch: {KillSwitch})")]
    private static partial void LogLoaded(ILogger logger, BundleWorkflow workflow, string revision, string source, bool killSwitch);

    [LoggerMessage(Level = LogLevel.Error, Message = "Bundle from {Source} refused, keeping the current one: {Problem}")]
    private static partial void LogRefused(ILogger logger, string source, string problem);
}
