using System.Diagnostics.CodeAnalysis;
using System.Text.RegularExpressions;
using AgentOperator.Policy.Bundles;
using AgentOperator.Policy.Rules.Compiled;
using Cel;

namespace AgentOperator.Policy.Rules;

/// <summary>
/// A policy rule compiled once per bundle: parsed by the Cel package, then compiled to delegates by
/// <see cref="CelCompiler"/> when it stays within the compiled subset. The package's interpreter remains the
/// reference: it evaluates rules the compiler does not support, and any call the compiled form defers.
/// </summary>
public sealed partial class CelRuleProgram
{
    private readonly CelProgramDelegate _interpreted;
    private readonly CelNode? _compiled;

    private CelRuleProgram(BundleRule rule, CelProgramDelegate interpreted, CelNode? compiled, string? notCompiledBecause)
    {
        Rule = rule;
        _interpreted = interpreted;
        _compiled = compiled;
        NotCompiledBecause = notCompiledBecause;
    }

    /// <summary>The rule.</summary>
    public BundleRule Rule { get; }

    /// <summary>True when the condition runs as compiled delegates; false when the interpreter evaluates it.</summary>
    public bool IsCompiled => _compiled is not null;

    /// <summary>The construct that keeps the condition on the interpreter; null when compiled.</summary>
    public string? NotCompiledBecause { get; }

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
            var tree = environment.Parse(rule.Condition);
            var interpreted = environment.Compile(tree);
            var compiled = CelCompiler.TryCompile(tree, environment, out var notCompiledBecause);
            program = new CelRuleProgram(rule, interpreted, compiled, notCompiledBecause);
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
    /// Evaluates the condition for one call: compiled when possible, otherwise (or when the compiled form
    /// defers) by the interpreter over <see cref="RuleActivation.ToVariables"/>. Same outcome either way.
    /// </summary>
    public RuleOutcome Evaluate(in RuleActivation activation) =>
        TryEvaluateCompiled(activation, out var outcome) ? outcome : Evaluate(activation.ToVariables());

    /// <summary>
    /// Evaluates with the compiled form only; false when the rule is not compiled, or when this input leads
    /// it outside the compiled subset (an error, an unmodelled type combination), which the interpreter decides.
    /// </summary>
    public bool TryEvaluateCompiled(in RuleActivation activation, out RuleOutcome outcome)
    {
        outcome = default;
        if (_compiled is not { } compiled)
        {
            return false;
        }

        CelValue result;
        try
        {
            result = compiled(activation);
        }
        catch (CelDeferral)
        {
            return false;
        }

        if (result.Kind != CelKind.Bool)
        {
            // A non-boolean result fails the rule with the interpreter's wording.
            return false;
        }

        outcome = result.AsBool ? RuleOutcome.Pass : RuleOutcome.Fail;
        return true;
    }

    /// <summary>
    /// Evaluates the condition with the Cel interpreter. Anything but <c>true</c> fails the rule; an evaluation
    /// error (a missing field, a type mismatch) fails it too, with the error as the reason: rules fail closed.
    /// </summary>
    public RuleOutcome Evaluate(IDictionary<string, object?> variables)
    {
        object? result;
        try
        {
            result = _interpreted(variables);
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
