using System.Diagnostics.CodeAnalysis;
using AgentOperator.Policy.Bundles;

namespace AgentOperator.Policy.Compilation;

/// <summary>The result of compiling a workflow: a bundle, or every error with its spec path.</summary>
/// <param name="Bundle">The bundle when there are no errors.</param>
/// <param name="Errors">Every error found; empty on success.</param>
public sealed record BundleCompilationResult(PolicyBundle? Bundle, IReadOnlyList<SpecError> Errors)
{
    /// <summary>True when the workflow compiled.</summary>
    [MemberNotNullWhen(true, nameof(Bundle))]
    public bool Succeeded => Bundle is not null && Errors.Count == 0;
}
