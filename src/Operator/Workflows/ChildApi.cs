using k8s.Models;

namespace AgentOperator.Operator.Workflows;

/// <summary>The typed API calls the reconciler makes for one kind of child (namespace-scoped).</summary>
/// <param name="Kind">Kind name, for logs and Events.</param>
/// <param name="Create">Creates the body in the namespace.</param>
/// <param name="Patch">Applies a JSON merge patch to (name, namespace).</param>
/// <param name="Delete">Deletes (name, namespace) with options (uid precondition, propagation).</param>
/// <param name="Read">Reads (name, namespace) from the API server, bypassing the cache.</param>
internal sealed record ChildApi<T>(
    string Kind,
    Func<T, string, CancellationToken, Task<T>> Create,
    Func<V1Patch, string, string, CancellationToken, Task<T>> Patch,
    Func<string, string, V1DeleteOptions, CancellationToken, Task> Delete,
    Func<string, string, CancellationToken, Task<T>> Read)
    where T : class;
