using AgentOperator.Policy.Rules;
using Cel;

namespace AgentOperator.Operator.Analysis;

/// <summary>A custom metric's CEL success condition over <c>result</c> (a double), compiled once.</summary>
internal sealed class SuccessCondition
{
    private readonly CelProgramDelegate? _program;

    private SuccessCondition(string text, CelProgramDelegate? program, string? compileError)
    {
        Text = text;
        _program = program;
        CompileError = compileError;
    }

    public string Text { get; }

    /// <summary>Why the condition does not compile, or null when it does.</summary>
    public string? CompileError { get; }

    public static SuccessCondition Compile(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (string.IsNullOrWhiteSpace(text))
        {
            return new SuccessCondition(text, null, "the condition is empty");
        }

        // The Cel package binds functions only at evaluation; the policy library's check finds misspelt ones now.
        if (CelRuleProgram.UnknownFunction(text) is { } unknown)
        {
            return new SuccessCondition(text, null, $"unknown function '{unknown}'");
        }

        try
        {
            return new SuccessCondition(text, new CelEnvironment(null, null).Compile(text), null);
        }
#pragma warning disable CA1031 // the Cel package reports syntax and binding errors with several exception types
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new SuccessCondition(text, null, exception.Message);
        }
    }

    /// <summary>True or false for <paramref name="result"/>; an error (or a non-boolean) as the reason when the condition cannot say.</summary>
    public (bool Passed, string? Error) Evaluate(double result)
    {
        if (_program is null)
        {
            return (false, CompileError);
        }

        object? outcome;
        try
        {
            outcome = _program(new Dictionary<string, object?> { ["result"] = result });
        }
#pragma warning disable CA1031 // an evaluation error fails the metric with its message, never the analysis run
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return (false, exception.Message);
        }

        return outcome switch
        {
            bool passed => (passed, null),
            null => (false, "the condition evaluated to null, not a boolean"),
            _ => (false, $"the condition evaluated to {outcome.GetType().Name} '{outcome}', not a boolean"),
        };
    }
}
