using AgentOperator.Crds.V1Alpha1;

namespace AgentOperator.Policy.Bundles;

/// <summary>
/// The compiled, versioned policy document the gateway enforces for one revision of a workflow.
/// It carries references to credentials (Secret names, audiences), never their values.
/// </summary>
public sealed record PolicyBundle
{
    /// <summary>The bundle format this library writes and reads.</summary>
    public const string CurrentSchemaVersion = "agentoperator.io/policy-bundle/v1";

    /// <summary>Format of this document; readers refuse versions they do not know.</summary>
    public string SchemaVersion { get; init; } = CurrentSchemaVersion;

    /// <summary>The workflow this bundle belongs to.</summary>
    public required BundleWorkflow Workflow { get; init; }

    /// <summary>The revision hash (see <see cref="Compilation.RevisionHash"/>).</summary>
    public required string Revision { get; init; }

    /// <summary>The autonomy dial.</summary>
    public Autonomy Autonomy { get; init; } = Autonomy.Observe;

    /// <summary>When true every non-read call is denied.</summary>
    public bool KillSwitch { get; init; }

    /// <summary>Models by role.</summary>
    public IReadOnlyDictionary<string, BundleModel> Models { get; init; } = new Dictionary<string, BundleModel>();

    /// <summary>The tool allowlist; anything absent is denied.</summary>
    public IReadOnlyList<BundleTool> Tools { get; init; } = [];

    /// <summary>Hard limits per run.</summary>
    public required Budgets Budgets { get; init; }

    /// <summary>CEL rules in evaluation order.</summary>
    public IReadOnlyList<BundleRule> Rules { get; init; } = [];

    /// <summary>Kinds of sensitive data redacted from traces, audit records and approvals.</summary>
    public IReadOnlyList<RedactionKind> Redact { get; init; } = [];
}
