using System.Diagnostics.CodeAnalysis;

namespace AgentOperator.Policy.Rules.Compiled;

/// <summary>
/// Thrown by compiled code when it meets a case whose exact Cel-package semantics it does not reproduce
/// (an evaluation error, a type combination outside the compiled subset): the interpreter then decides the
/// rule, so outcomes and error messages stay identical to the interpreter's. Rare by construction.
/// </summary>
#pragma warning disable CA1032, CA1064 // internal control flow between compiled code and CelRuleProgram only
internal sealed class CelDeferral : Exception
#pragma warning restore CA1032, CA1064
{
    private CelDeferral()
        : base("the compiled condition defers to the Cel interpreter")
    {
    }

    /// <summary>Leaves the decision to the interpreter.</summary>
    [DoesNotReturn]
    public static void Throw() => throw new CelDeferral();

    /// <summary>Leaves the decision to the interpreter, where an expression needs a value.</summary>
    [DoesNotReturn]
    public static T Throw<T>() => throw new CelDeferral();
}
