using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using AgentOperator.Policy.Bundles;
using Cel;

namespace AgentOperator.Policy.Rules;

/// <summary>A policy rule compiled once to a Cel delegate, evaluated per call.</summary>
public sealed partial class CelRuleProgram
{
    private readonly CelProgramDelegate _program;

    private CelRuleProgram(BundleRule rule, CelProgramDelegate program)
    {
        Rule = rule;
        _program = program;
    }

    /// <summary>The rule.</summary>
    public BundleRule Rule { get; }

    /// <summary>Compiles the rule's condition; on failure <paramref name="error"/> carries the parser's message.</summary>
    public static bool TryCompile(BundleRule rule, [NotNullWhen(true)] out CelRuleProgram? program, [NotNullWhen(false)] out string? error)
    {
        ArgumentNullException.ThrowIfNull(rule);
        program = null;
        if (string.IsNullOrWhiteSpace(rule.Condition))
        {
            error = "the condition is empty";
            return false;
        }

        // The Cel package binds functions only when a call is evaluated, so a misspelt function would pass
        // compilation and fail every call; catch it here, where the author can see the spec path.
        if (UnknownFunction(rule.Condition) is { } unknown)
        {
            error = $"unknown function '{unknown}': neither CEL nor the Cel package defines it";
            return false;
        }

        try
        {
            // A fresh environment per rule: CelEnvironment is not documented as thread-safe for compilation,
            // and the compiled delegate is all we keep.
            var environment = new CelEnvironment(null, null);
            program = new CelRuleProgram(rule, environment.Compile(rule.Condition));
            error = null;
            return true;
        }
#pragma warning disable CA1031 // the Cel package reports syntax and binding errors with several exception types
        catch (Exception exception)
#pragma warning restore CA1031
        {
            error = exception.Message;
            return false;
        }
    }

    /// <summary>The first called function that neither CEL nor the Cel package defines, or null.</summary>
    public static string? UnknownFunction(string condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        var code = StringLiteral().Replace(condition, "''");
        foreach (Match call in FunctionCall().Matches(code))
        {
            var name = call.Groups["name"].Value;
            if (!KnownFunctions.Contains(name))
            {
                return name;
            }
        }

        return null;
    }

    private static readonly HashSet<string> KnownFunctions = new(StringComparer.Ordinal)
    {
        "all", "exists", "exists_one", "map", "filter", "has", "size", "in",
        "int", "uint", "double", "string", "bytes", "bool", "decimal", "timestamp", "duration", "type", "dyn",
        "contains", "startsWith", "endsWith", "matches", "charAt", "indexOf", "lastIndexOf", "join", "replace", "split",
        "substring", "toLowerCase", "toUpperCase", "trim", "trimStart", "trimEnd",
        "getDate", "getDayOfMonth", "getDayOfWeek", "getDayOfYear", "getFullYear", "getHours", "getMilliseconds",
        "getMinutes", "getMonth", "getSeconds",
    };

    [GeneratedRegex(@"'(?:[^'\\]|\\.)*'|""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"(?<name>[A-Za-z_][A-Za-z0-9_]*)\s*\(")]
    private static partial Regex FunctionCall();

    /// <summary>
    /// Evaluates the condition. Anything but <c>true</c> fails the rule; an evaluation error (a missing field,
    /// a type mismatch) fails it too, with the error as the reason: rules fail closed.
    /// </summary>
    public RuleOutcome Evaluate(IDictionary<string, object?> variables)
    {
        object? result;
        try
        {
            result = _program(variables);
        }
#pragma warning disable CA1031 // any evaluation error is a failed rule, never an exception out of the decision path
        catch (Exception exception)
#pragma warning restore CA1031
        {
            return new RuleOutcome(false, exception.Message);
        }

        return result switch
        {
            true => RuleOutcome.Pass,
            false => RuleOutcome.Fail,
            null => new RuleOutcome(false, "the condition evaluated to null, not a boolean"),
            _ => new RuleOutcome(false, $"the condition evaluated to {result.GetType().Name} '{result}', not a boolean"),
        };
    }
}
