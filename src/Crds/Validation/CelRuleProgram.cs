using System.Text.RegularExpressions;
using Cel;

namespace AgentOperator.Crds.Validation;

/// <summary>One compiled <c>x-kubernetes-validations</c> entry.</summary>
internal sealed partial class CelRuleProgram
{
    private CelRuleProgram(string rule, CelProgramDelegate program)
    {
        Rule = rule;
        Program = program;
        UsesOldSelf = OldSelfReference().IsMatch(StringLiteral().Replace(rule, "''"));
    }

    public string Rule { get; }

    public CelProgramDelegate Program { get; }

    public string? Message { get; private init; }

    public CelProgramDelegate? MessageExpression { get; private init; }

    /// <summary>The rule's <c>fieldPath</c> without its leading dot, appended to the node's path in errors.</summary>
    public string? FieldPath { get; private init; }

    /// <summary>FieldValueInvalid (default), FieldValueForbidden, FieldValueRequired or FieldValueDuplicate.</summary>
    public string? Reason { get; private init; }

    /// <summary>Transition rules (those referencing <c>oldSelf</c>) only run on update, when an old value exists.</summary>
    public bool UsesOldSelf { get; }

    /// <summary>A rule with <c>optionalOldSelf: true</c> is ratcheting-only; without an old value it is skipped like any transition rule.</summary>
    public bool OptionalOldSelf { get; private init; }

    /// <summary>kube-apiserver's <c>ruleMessageOrDefault</c>.</summary>
    public string MessageOrDefault => string.IsNullOrWhiteSpace(Message) ? $"failed rule: {Rule.Trim()}" : Message.Trim();

    /// <summary>kube-apiserver's <c>ruleErrorString</c>: the message if any, else the rule.</summary>
    public string ErrorString => string.IsNullOrWhiteSpace(Message) ? Rule.Trim() : Message.Trim();

    public static CelRuleProgram Compile(
        CelEnvironment environment, string rule, string? message, string? messageExpression, string? fieldPath, string? reason, bool optionalOldSelf) =>
        new(rule, environment.Compile(PresenceTest.Rewrite(environment, rule)))
        {
            Message = message,
            MessageExpression = messageExpression is { Length: > 0 } ? environment.Compile(PresenceTest.Rewrite(environment, messageExpression)) : null,
            FieldPath = fieldPath is { Length: > 0 } ? NormalizeFieldPath(fieldPath) : null,
            Reason = reason,
            OptionalOldSelf = optionalOldSelf,
        };

    // ".spec['a.b'].c" → "spec[a.b].c" (field.Path prints map keys and quoted names in brackets, without quotes).
    private static string NormalizeFieldPath(string fieldPath) =>
        QuotedSegment().Replace(fieldPath.TrimStart('.'), m => "[" + m.Groups[1].Value + "]");

    [GeneratedRegex(@"\boldSelf\b")]
    private static partial Regex OldSelfReference();

    [GeneratedRegex(@"'(?:[^'\\]|\\.)*'|""(?:[^""\\]|\\.)*""")]
    private static partial Regex StringLiteral();

    [GeneratedRegex(@"\['((?:[^'\\]|\\.)*)'\]")]
    private static partial Regex QuotedSegment();
}
