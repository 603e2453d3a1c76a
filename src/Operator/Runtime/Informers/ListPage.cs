namespace AgentOperator.Operator.Runtime.Informers;

/// <summary>One page of a list: its items, the list's resourceVersion, and the continue token of the next page.</summary>
internal sealed record ListPage<T>(IReadOnlyList<T> Items, string ResourceVersion, string? Continue);
