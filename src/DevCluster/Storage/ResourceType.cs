using System.Text.Json.Nodes;

namespace AgentOperator.DevCluster.Storage;

/// <summary>
/// Everything the generic REST path needs to know about one served group/version/resource. Built-in kinds and
/// custom resources are described the same way, so they all go through one code path.
/// </summary>
internal sealed record ResourceType(string Group, string Version, string Resource, string Kind, bool Namespaced)
{
    public static readonly IReadOnlyList<string> StandardVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    public string Singular { get; init; } = Kind.ToLowerInvariant();

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public IReadOnlyList<string> Verbs { get; init; } = StandardVerbs;

    /// <summary>Has a <c>status</c> subresource: the main resource ignores status writes and vice versa.</summary>
    public bool HasStatus { get; init; }

    public ScaleSubresource? Scale { get; init; }

    /// <summary>Sets metadata.generation and bumps it when anything outside metadata and status changes.</summary>
    public bool TracksGeneration { get; init; }

    /// <summary>PUT without metadata.resourceVersion is allowed (true for most built-ins, false for custom resources).</summary>
    public bool AllowUnconditionalUpdate { get; init; } = true;

    /// <summary>Custom resources: no strategic merge patch, schema validation from the CRD.</summary>
    public bool IsCustom { get; init; }

    /// <summary>
    /// DELETE answers with the deleted object (genericregistry.Store.ReturnDeletedObject: pods, services, service
    /// accounts, namespaces, CRDs); every other resource answers a completed deletion with a Success Status.
    /// </summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>Create-only review resources (TokenReview, SubjectAccessReview): answered, never stored.</summary>
    public bool IsVirtual { get; init; }

    /// <summary>The table objects are kept in (shared across versions).</summary>
    public GroupResource Storage { get; init; } = new(Group, Resource);

    /// <summary>The version objects are stored in; reads through another version are converted.</summary>
    public string StorageApiVersion { get; init; } = Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>Converts between the stored form and this version's form; null when only apiVersion differs.</summary>
    public IVersionConverter? Converter { get; init; }

    public IReadOnlyList<PrinterColumn> Columns { get; init; } = [];

    /// <summary>Field selectors this resource supports beyond metadata.name and metadata.namespace.</summary>
    public IReadOnlyList<string> SelectableFields { get; init; } = [];

    /// <summary>The CRD's compiled schema for validation and defaulting; null for built-ins.</summary>
    public ICustomResourceSchema? Schema { get; init; }

    /// <summary>The CRD's openAPIV3Schema for <c>kubectl explain</c>; null for built-ins.</summary>
    public JsonObject? OpenApiSchema { get; init; }

    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    public GroupResource Key => new(Group, Resource);

    public override string ToString() => Storage.ToString();
}
