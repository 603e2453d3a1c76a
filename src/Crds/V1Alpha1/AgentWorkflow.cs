using System.Text.Json.Serialization;
using AgentOperator.Crds.Schema;
using k8s;
using k8s.Models;

namespace AgentOperator.Crds.V1Alpha1;

/// <summary>
/// One agent workflow: the models it may use, the tools it may call, the budgets it spends within,
/// the policy rules every call must pass, and how new versions roll out.
/// </summary>
[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = Plural)]
[ShortNames("aw")]
[Categories("agents")]
[PrinterColumn("Autonomy", "string", ".spec.autonomy", Description = "How much the agent may do without a human")]
[PrinterColumn("Stable", "string", ".status.stableRevision", Description = "Revision serving most traffic")]
[PrinterColumn("Canary", "string", ".status.canaryRevision", Description = "Revision under canary analysis")]
[PrinterColumn("Weight", "integer", ".status.canaryWeight", Description = "Percent of traffic on the canary")]
[PrinterColumn("Step", "string", ".status.step", Description = "Canary step n/m")]
[PrinterColumn("Phase", "string", ".status.phase", Description = "Lifecycle phase")]
[PrinterColumn("Reason", "string", ".status.reason", Description = "Why the workflow is in its phase")]
[PrinterColumn("Kill", "boolean", ".status.killSwitch", Description = "Every write is denied")]
[PrinterColumn("Ready", "string", ".status.readyReplicas", Priority = 1, Description = "Ready replicas of the stable revision")]
[PrinterColumn("Cost/Success", "string", ".status.runs.costPerSuccessUsd", Priority = 1, Description = "Model cost in USD per successful run, recent window")]
[PrinterColumn("Age", "date", ".metadata.creationTimestamp")]
public sealed class AgentWorkflow : IKubernetesObject<V1ObjectMeta>, ISpec<AgentWorkflowSpec>, IStatus<AgentWorkflowStatus?>
{
    public const string KubeKind = "AgentWorkflow";
    public const string Plural = "agentworkflows";

    /// <summary>APIVersion of this representation: agentoperator.io/v1alpha1.</summary>
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;

    /// <summary>Kind of this resource: AgentWorkflow.</summary>
    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    /// <summary>Standard object metadata.</summary>
    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    /// <summary>Desired state of the workflow. Owned by its author (or git); the operator never writes it.</summary>
    [Required]
    [JsonPropertyName("spec")]
    public AgentWorkflowSpec Spec { get; set; } = null!;

    /// <summary>Observed state, written by the operator.</summary>
    [JsonPropertyName("status")]
    public AgentWorkflowStatus? Status { get; set; }
}
