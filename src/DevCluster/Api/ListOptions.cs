namespace AgentOperator.DevCluster.Api;

/// <summary>The list/watch query parameters (meta/v1 ListOptions).</summary>
internal sealed record ListOptions(
    LabelSelector? LabelSelector,
    FieldSelector? FieldSelector,
    int? Limit,
    string? Continue,
    string? ResourceVersion,
    string? ResourceVersionMatch,
    bool Watch,
    bool AllowWatchBookmarks,
    bool? SendInitialEvents,
    int? TimeoutSeconds);
